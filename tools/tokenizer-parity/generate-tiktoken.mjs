// Generates the Unicode stress corpus and tiktoken's ids for it (ArML's parity fixtures).
//   cd tools/tokenizer-parity && npm ci && node generate-tiktoken.mjs
// Writes test/ArML.Tests/Transforms/Fixtures/unicode-stress.json (the corpus) and tiktoken-ids.json.gz.
// Deterministic: a seeded generator, so rerunning gives the same files.
import { get_encoding } from "tiktoken";
import { writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, "../../test/ArML.Tests/Transforms/Fixtures");

// mulberry32: a small seeded PRNG, so the corpus is the same on every machine.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20250301);
const pick = (list) => list[Math.floor(random() * list.length)];

const pieces = {
  english: ["the", "The", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "hello", "world", "Tokenizer", "ML.NET",
    "it's", "We'll", "THEY'RE", "I'D", "don't", "o'clock", "rock'n'roll", "you've", "she'S", "He'Ll", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'LL", "'Ve"],
  latin: ["café", "naïve", "Ångström", "Straße", "ſtraße", "'ſ", "Kelvin", "'K", "İstanbul", "ǅemal", "ǈ", "Œuvre", "ĳssel", "Ꝁ", "ﬁne", "ʰʲ", "ǃKung"],
  scripts: ["Ελληνικά", "σοφία", "Русский", "ёжик", "Հայերեն", "עברית", "שָׁלוֹם", "العربية", "مُحَمَّد", "हिन्दी", "क्षत्रिय", "বাংলা", "தமிழ்",
    "ไทย", "ພາສາລາວ", "བོད་ཡིག", "ქართული", "한국어", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "中文字符", "漢字", "አማርኛ", "ᏣᎳᎩ", "ᠮᠣᠩᠭᠣᠯ", "ខ្មែរ", "မြန်မာ", "සිංහල", "ꦗꦮ", "ᚠᚢᚦ"],
  astral: ["𝐤𝐈'll", "𝐤", "𝐈", "𝒜𝔅𝕏𝖆", "𝛼𝛽𝛾", "𝟘𝟙𝟚𝟛𝟜", "𐌰𐌱𐌲", "𐐀𐐨𐐷", "𞤀𞤢𞤣", "𞥑𞥒𞥓", "𐒠𐒡", "𠀀𠜎𪚥", "𒀀𒀁", "𓀀𓁐", "𝄞𝄢", "𐀀𐀁",
    "𑀅𑀸", "x𝅥y", "𞀀a", "𝐀𝐁𝐂'S", "𝕙𝕖𝕝𝕝𝕠", "𝟏𝟐𝟑𝟒𝟓𝟔𝟕", "𐤀𐤁", "𖼀𖽑", "𝓽𝓮𝔁𝓽"],
  emoji: ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇯🇵", "1️⃣", "❤️", "🧑🏿‍💻", "🤷‍♀️", "🫠", "☕", "🐈‍⬛", "😀😀😀", "a😀b"],
  combining: ["e\u0301", "a\u0308\u0323", "Z\u0324\u0354\u0367\u0311o\u0319\u0314", "\u0301\u0301x", "n\u0303", "\u20dd", "q\u0307\u0323", "\u0e34\u0e37"],
  digits: ["12345678", "3.14159", "1,000,000", "٣٤٥", "१२३", "１２３", "½", "Ⅻ", "²³", "007", "2024-01-01", "0x1F", "𝟘𝟙𝟚"],
  whitespace: [" ", "  ", "   ", "\t", "\u00a0", "\u2000", "\u2003", "\u200a", "\u3000", "\u2028", "\u2029", "\u0085", "\u000b", "\u000c",
    "\r\n", "\n", "\n\n", "\r", "\u200b", "\u180e", "\u202f", "\u205f", "\u1680", "\ufeff", " \n ", "\t\n"],
  symbols: ["...", "!!", "?!", "—", "«»", "„“", "$", "€", "+-*/", "//", "\\", "<|endoftext|>", "http://x.y/z?q=1&r=2", "'", "''", "@#%", "(){}[]", "→⇒", "∑∫√", "©®™", "¤", "_", "__init__"],
  code: ["def f(x):\n    return x", "    indented", "\t\tx = 1;", "if (a && b) { return; }", "<div class=\"x\">", "SELECT * FROM t;", "a/b/c", "//comment\r\n"],
  controls: ["\u0000", "\u0001", "\u001f", "\u007f", "\u0080", "\u009f", "\u00ad"],
};
const kinds = Object.keys(pieces);
const separators = ["", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\r\n", ", ", ". "];

function line() {
  const n = 1 + Math.floor(random() * 12);
  let text = "";
  for (let i = 0; i < n; i++) {
    if (i > 0) text += pick(separators);
    text += pick(pieces[pick(kinds)]);
  }
  return text;
}

const lines = Array.from({ length: 3000 }, line);

// Lines with unpaired surrogates: JavaScript strings allow them; tiktoken receives them as U+FFFD (UTF-8 conversion).
const lone = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"];
const unpaired = Array.from({ length: 60 }, () => {
  const chars = [...line()];
  const at = Math.floor(random() * (chars.length + 1));
  chars.splice(at, 0, pick(lone));
  return chars.join("");
});
const codeUnits = (s) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

const encodings = ["gpt2", "r50k_base", "cl100k_base", "o200k_base"];
const expected = {};
for (const name of encodings) {
  const enc = get_encoding(name);
  expected[name] = { lines: lines.map((l) => Array.from(enc.encode_ordinary(l))), unpaired: unpaired.map((l) => Array.from(enc.encode_ordinary(l))) };
  enc.free();
}

mkdirSync(fixtures, { recursive: true });
writeFileSync(path.join(fixtures, "unicode-stress.json"),
  JSON.stringify({ generator: "tools/tokenizer-parity/generate-tiktoken.mjs", lines, unpairedCodeUnits: unpaired.map(codeUnits) }));
writeFileSync(path.join(fixtures, "tiktoken-ids.json.gz"),
  gzipSync(JSON.stringify({ generator: "tiktoken 1.0.22 encode_ordinary", ...expected }), { level: 9 }));
console.log(`${lines.length} lines, ${unpaired.length} with unpaired surrogates; encodings: ${encodings.join(", ")}`);
