using ArML.Synthetic;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Support;

/// <summary>
/// One small character model of every language-model family (GPT, LSTM, GRU, linear baseline, n-gram), each fitted
/// briefly behind a character tokenizer: enough for checks that every entry point decodes every family alike.
/// </summary>
public sealed class EveryFamily : IDisposable
{
    private readonly Dictionary<string, ITransformer> _models = [];

    public EveryFamily()
    {
        Ml = new MLContext(seed: 5);
        var source = MarkovTextSource.CreateDefault(seed: 1);
        Train = Ml.Data.LoadFromEnumerable(source.Sample(120, seed: 3).Select(t => new TextRow { Text = t }));
        var tokenize = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text");
        var trainers = Ml.LanguageModeling().Trainers;
        _models["gpt"] = tokenize.Append(trainers.Gpt(TinyGpt.Options(iterations: 4))).Fit(Train);
        _models["lstm"] = tokenize.Append(trainers.Lstm(Recurrent(RecurrentCell.Lstm))).Fit(Train);
        _models["gru"] = tokenize.Append(trainers.Lstm(Recurrent(RecurrentCell.Gru))).Fit(Train);
        _models["baseline"] = tokenize.Append(trainers.LinearBaseline(new LinearBaselineTrainer.Options
        {
            WindowSize = 4, EmbeddingSize = 16, BatchSize = 4, SequenceLength = 16, MaxIterations = 4, WarmupIterations = 1,
        })).Fit(Train);
        _models["ngram"] = tokenize.Append(trainers.NGram(new NGramTrainer.Options { Order = 3 })).Fit(Train);
    }

    /// <summary>The family names, as xunit member data.</summary>
    public static TheoryData<string> Names => new() { "gpt", "lstm", "gru", "baseline", "ngram" };

    public MLContext Ml { get; }

    public IDataView Train { get; }

    /// <summary>The fitted pipeline (tokenizer, then language model) of <paramref name="family"/>.</summary>
    public ITransformer Model(string family) => _models[family];

    private static LstmTrainer.Options Recurrent(RecurrentCell cell) => new()
    {
        Cell = cell, LayerCount = 1, HiddenSize = 16, BatchSize = 4, SequenceLength = 16, MaxIterations = 4, WarmupIterations = 1,
    };

    public void Dispose()
    {
        foreach (var model in _models.Values) (model as IEnumerable<ITransformer>)?.OfType<IDisposable>().ToList().ForEach(d => d.Dispose());
    }
}
