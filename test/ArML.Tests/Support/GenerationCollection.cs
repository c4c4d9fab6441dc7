using Xunit;

namespace ArML.Tests.Support;

/// <summary>Generation test classes share one trained <see cref="TinyGpt"/> (trained once, used one class at a time).</summary>
[CollectionDefinition(Name)]
public sealed class GenerationCollection : ICollectionFixture<TinyGpt>
{
    public const string Name = "Generation on the tiny GPT";
}
