// Trains Hugging Face's byte-level BPE on one corpus file with the node binding's default trainer (vocabulary
// 30,000; the binding takes no trainer options) and prints one line for ArML's benchmark:
//   train_s=S train_cpu_s=C process_s=P vocab=V peak_rss_mb=M   (train_cpu_s: process CPU time during train())
// RAYON_NUM_THREADS=1 makes it single-threaded.
import tokenizers from "tokenizers";
import { performance } from "node:perf_hooks";

const corpus = process.argv[2];
const tokenizer = new tokenizers.Tokenizer(tokenizers.BPE.empty());
tokenizer.setPreTokenizer(tokenizers.byteLevelPreTokenizer(false, true));
const cpuBefore = process.cpuUsage();
const start = performance.now();
tokenizer.train([corpus]);
const trainSeconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const processSeconds = performance.now() / 1000;
const peak = process.resourceUsage().maxRSS / 1024;
console.log(`train_s=${trainSeconds.toFixed(3)} train_cpu_s=${cpuSeconds.toFixed(3)} process_s=${processSeconds.toFixed(3)} vocab=${tokenizer.getVocabSize()} peak_rss_mb=${peak.toFixed(0)}`);
