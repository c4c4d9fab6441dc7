namespace ArML.Transforms.Text;

/// <summary>Progress of tokenizer training.</summary>
/// <param name="Phase">"counting" while rows are read, "merging" while BPE merges, "done" at the end.</param>
/// <param name="RowsRead">Rows read so far.</param>
/// <param name="DistinctWords">Distinct pre-tokenized words counted.</param>
/// <param name="VocabularySize">Current vocabulary size.</param>
/// <param name="Merges">BPE merges learned so far.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record TokenizerTrainingProgress(string Phase, long RowsRead, int DistinctWords, int VocabularySize, int Merges, TimeSpan Elapsed);
