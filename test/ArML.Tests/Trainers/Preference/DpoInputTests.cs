using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Preference;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Preference;

/// <summary>Bad input: each error names the column (and the row) before any training.</summary>
public sealed class DpoInputTests : IDisposable
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly LanguageModelTransformer _model;

    public DpoInputTests()
    {
        _model = _ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 8, LayerCount = 1, HeadCount = 1, EmbeddingSize = 8, MaxIterations = 1, Seed = 1,
        }).Fit(PreferencePairs.Ordinary(_ml, 20, seed: 1));
    }

    public void Dispose() => _model.Dispose();

    private LanguageModelTransformer Fit(IDataView data, Action<DpoOptions>? change = null)
    {
        var options = new DpoOptions { InitialModel = _model, MaxIterations = 1, BatchSize = 2 };
        change?.Invoke(options);
        return _ml.LanguageModeling().Trainers.Dpo(options).Fit(data);
    }

    private sealed class TwoColumns
    {
        [KeyType(PreferencePairs.KeyCount)]
        [VectorType]
        public uint[] Prompt { get; set; } = [];

        [KeyType(PreferencePairs.KeyCount)]
        [VectorType]
        public uint[] Chosen { get; set; } = [];
    }

    [Theory]
    [InlineData("PromptColumnName", "Question")]
    [InlineData("ChosenColumnName", "Good")]
    [InlineData("RejectedColumnName", "Bad")]
    public void AMissingColumnIsNamed(string option, string name)
    {
        var data = _ml.Data.LoadFromEnumerable(PreferencePairs.Pairs(4, seed: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Fit(data, o => typeof(DpoOptions).GetProperty(option)!.SetValue(o, name)));
        Assert.Contains($"'{name}'", e.Message);
        var missingRejected = _ml.Data.LoadFromEnumerable(new[] { new TwoColumns { Prompt = [3], Chosen = [4] } });
        Assert.Contains("'Rejected'", Assert.Throws<ArgumentOutOfRangeException>(() => Fit(missingRejected)).Message);
    }

    [Fact]
    public void AnEmptyChosenOrRejectedResponseNamesItsRowAndColumn()
    {
        var pairs = PreferencePairs.Pairs(5, seed: 1);
        pairs[3].Chosen = [];
        var e = Assert.Throws<InvalidDataException>(() => Fit(_ml.Data.LoadFromEnumerable(pairs)));
        Assert.Contains("Row 3 of column 'Chosen'", e.Message);
        pairs = PreferencePairs.Pairs(5, seed: 1);
        pairs[1].Rejected = [];
        e = Assert.Throws<InvalidDataException>(() => Fit(_ml.Data.LoadFromEnumerable(pairs)));
        Assert.Contains("Row 1 of column 'Rejected'", e.Message);
    }

    [Fact]
    public void AnEmptyPromptIsAllowedAndAResponseLongerThanTheContextIsNamed()
    {
        var pairs = PreferencePairs.Pairs(4, seed: 1);
        pairs[0].Prompt = [];
        using (Fit(_ml.Data.LoadFromEnumerable(pairs))) { }
        pairs[2].Rejected = [3, 4, 5, 6, 7, 8, 9, 2];   // 8 tokens after the SEP: 9 positions, the context is 8
        var e = Assert.Throws<InvalidDataException>(() => Fit(_ml.Data.LoadFromEnumerable(pairs)));
        Assert.Contains("Row 2 of column 'Rejected'", e.Message);
    }

    [Fact]
    public void OptionsAndModelsAreCheckedWhenTheTrainerIsCreated()
    {
        var catalog = _ml.LanguageModeling().Trainers;
        Assert.Equal("InitialModel", Assert.Throws<ArgumentException>(() => catalog.Dpo(new DpoOptions())).ParamName);
        Assert.Equal("Beta", Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Dpo(new DpoOptions { InitialModel = _model, Beta = 0 })).ParamName);
        Assert.Throws<ArgumentException>(() => catalog.Dpo(new DpoOptions { InitialModel = _model, ChosenColumnName = "Prompt" }));
        // A reference with another vocabulary (trained on data using fewer keys) cannot be compared token by token.
        using var other = _ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 8, LayerCount = 1, HeadCount = 1, EmbeddingSize = 8, MaxIterations = 1, Seed = 1,
        }).Fit(_ml.Data.LoadFromEnumerable(new[] { new PreferencePairs.Text { Tokens = [3, 4] } }));
        var e = Assert.Throws<ArgumentException>(() => catalog.Dpo(new DpoOptions { InitialModel = _model, ReferenceModel = other }));
        Assert.Equal("ReferenceModel", e.ParamName);
    }
}
