// Encodes the held-out stress lines with Hugging Face tokenizers, loading the vocab.json + merges.txt that ArML's
// BPE trainer exported (see test/ArML.Tests/Transforms/BpeTrainerParityTests.cs for the first step), and records
// the files' SHA-256 so the test knows it compares against the same vocabulary.
//   cd tools/tokenizer-parity && node generate-hf-bpe.mjs
import tokenizers from "tokenizers";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, "../../test/ArML.Tests/Transforms/Fixtures");
const out = path.join(here, "out");
const heldOutStart = 2000;

const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");
const vocab = path.join(out, "vocab.json");
const merges = path.join(out, "merges.txt");

const model = await tokenizers.BPE.fromFile(vocab, merges);
const tokenizer = new tokenizers.Tokenizer(model);
tokenizer.setPreTokenizer(tokenizers.byteLevelPreTokenizer(false, true));

const corpus = JSON.parse(readFileSync(path.join(fixtures, "unicode-stress.json"), "utf8"));
const heldOut = corpus.lines.slice(heldOutStart);
const ids = [];
for (const line of heldOut) {
  const encoding = await tokenizer.encode(line, null, { addSpecialTokens: false });
  ids.push(encoding.getIds());
}
writeFileSync(path.join(fixtures, "bpe-hf-ids.json.gz"), gzipSync(JSON.stringify({
  generator: "tokenizers 0.23.2 (npm), BPE.fromFile + byteLevelPreTokenizer(addPrefixSpace=false)",
  vocabSha256: sha256(vocab), mergesSha256: sha256(merges), heldOutStart, ids,
}), { level: 9 }));
console.log(`${heldOut.length} held-out lines encoded`);
