using ArML.Synthetic;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Support;

/// <summary>A small character LSTM trained once on Markov-source rows and shared by a test class.</summary>
public sealed class TinyLstm : IDisposable
{
    public TinyLstm()
    {
        Ml = new MLContext(seed: 7);
        Source = MarkovTextSource.CreateDefault(seed: 1);
        TrainTexts = Source.Sample(300, seed: 1).ToArray();
        Train = Ml.Data.LoadFromEnumerable(TrainTexts.Select(t => new TextRow { Text = t }));
        Valid = Ml.Data.LoadFromEnumerable(Source.Sample(40, seed: 2).Select(t => new TextRow { Text = t }));
        Model = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(Ml.LanguageModeling().Trainers.Lstm(Options())).Fit(Train);
    }

    public static LstmTrainer.Options Options(int iterations = 250, RecurrentCell cell = RecurrentCell.Lstm) => new()
    {
        Cell = cell,
        LayerCount = 2,
        HiddenSize = 64,
        BatchSize = 16,
        SequenceLength = 32,
        MaxIterations = iterations,
        LearningRate = 1e-2,
        WarmupIterations = 10,
        ScoringBatchSize = 8,
    };

    public MLContext Ml { get; }
    public MarkovTextSource Source { get; }
    public string[] TrainTexts { get; }
    public IDataView Train { get; }
    public IDataView Valid { get; }
    public TransformerChain<LanguageModelTransformer> Model { get; }
    public LanguageModelTransformer Lstm => Model.LastTransformer;
    internal LstmLanguageModel Lm => (LstmLanguageModel)Lstm.Model;
    public TokenizerTransformer Tokenizer => (TokenizerTransformer)Model.First();

    public void Dispose() => Lstm.Dispose();
}
