using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.Preference;

/// <summary>
/// A synthetic language with a known preference rule. A row is a prompt of filler words (keys 3..10) and a continuation
/// of filler words that ends with word A (key 1) or word B (key 2), each half the time. The preference: continuations
/// ending with A. A chosen and a rejected response share their filler words and differ in the end word alone.
/// </summary>
public static class PreferencePairs
{
    public const int KeyCount = 10;

    /// <summary>Column id (key − 1) of word A, the preferred end.</summary>
    public const int WordA = 0;

    public sealed class Pair
    {
        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Prompt { get; set; } = [];

        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Chosen { get; set; } = [];

        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Rejected { get; set; } = [];
    }

    public sealed class Text
    {
        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Tokens { get; set; } = [];
    }

    public static uint[] Prompt(Random random) => Fillers(random, random.Next(2, 4));

    private static uint[] Fillers(Random random, int count) => Enumerable.Range(0, count).Select(_ => (uint)random.Next(3, KeyCount + 1)).ToArray();

    /// <summary>Ordinary text: prompt and continuation in one row, ending with A or B alike.</summary>
    public static IDataView Ordinary(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(_ =>
            new Text { Tokens = [.. Prompt(random), .. Fillers(random, random.Next(1, 4)), (uint)random.Next(1, 3)] }).ToArray());
    }

    /// <summary>Preference rows: the continuation ending with A chosen over the same one ending with B.</summary>
    public static Pair[] Pairs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var prompt = Prompt(random);
            var fillers = Fillers(random, random.Next(1, 4));
            return new Pair { Prompt = prompt, Chosen = [.. fillers, 1], Rejected = [.. fillers, 2] };
        }).ToArray();
    }
}
