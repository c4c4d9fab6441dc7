using ArML.Trainers.NGram;
using Xunit;

namespace ArML.Tests.Trainers.NGram;

/// <summary>The child lookup: a vector scan for short sibling ranges, a binary search for long ones; both must agree with a plain scan.</summary>
public class NGramTrieTests
{
    [Fact]
    public void ShortAndLongRangesFindEveryWordAndNothingElse()
    {
        var words = Enumerable.Range(0, 1000).Select(i => 2 * i).ToArray();   // sorted, even: odd words are never present
        foreach (int length in new[] { 0, 1, 2, 31, 127, 128, 129, 500, 900 })
            foreach (int start in new[] { 0, 7, 1000 - length })
                for (int word = -1; word <= 2001; word++)
                {
                    int at = Array.IndexOf(words, word, start, length);
                    Assert.Equal(at, NGramTrie.IndexIn(words, start, length, word));
                }
    }
}
