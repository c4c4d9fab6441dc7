using System.Text.Json.Serialization;

namespace ArML.Transforms.Text;

/// <summary>How a word vocabulary (<see cref="TokenizerKind.Word"/>) splits text into words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WordSplitting>))]
public enum WordSplitting
{
    /// <summary>Runs of letters, digits and marks are words; every other non-space character is a word of its own ("n't" is "n", "'", "t").</summary>
    WordsAndPunctuation,

    /// <summary>
    /// Only white space separates words, as in pre-tokenized corpora such as the Penn Treebank: "n't", "&lt;unk&gt;" and
    /// "$" stay whole, as ML.NET's <c>TokenizeIntoWords</c> with its default separator keeps them.
    /// </summary>
    Whitespace,
}
