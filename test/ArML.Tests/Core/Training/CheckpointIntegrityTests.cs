using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Tests.Trainers.Density;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Core.Training;

/// <summary>
/// A checkpoint is resumed only when it is intact, complete and of this run: a flipped bit, a missing or forged tensor,
/// or other data of the same size is refused with the file and what differs named, before anything is trained.
/// </summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    private static readonly string[] Corpus = ArML.Synthetic.MarkovTextSource.CreateDefault(1).Sample(60, seed: 8).ToArray();
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-ckpt-integrity-").FullName;
    private readonly MLContext _ml = new(seed: 1);

    private string CheckpointPath => Path.Combine(_dir, "checkpoint.safetensors");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0, 0x01)]   // the lowest mantissa bit of a weight: a silently different model before
    [InlineData(3, 0x40)]   // the top exponent bit: a weight of ~1e37 that diverged and was called "the last good checkpoint"
    public void AFlippedBitIsRefusedBeforeTraining(int byteInFloat, int mask)
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        var (name, offset) = FirstTensor(CheckpointPath, "model.");
        byte[] file = File.ReadAllBytes(CheckpointPath);
        file[offset + 4 * 5 + byteInFloat] ^= (byte)mask;
        File.WriteAllBytes(CheckpointPath, file);

        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("checksum", error.Message);
        Assert.DoesNotContain("last good checkpoint", error.Message);
        Assert.StartsWith("model.", name);
    }

    [Theory]
    [InlineData("torch_rng")]
    [InlineData("model.")]       // the first weight of the model
    [InlineData("optimizer.v0")]
    [InlineData("optimizer.steps")]
    public void AMissingTensorIsNamed(string missing)
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        string removed = missing.EndsWith('.') ? FirstTensor(CheckpointPath, missing).Name : missing;
        Forge(tensors => tensors.Remove(removed));

        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains($"'{removed}'", error.Message);
    }

    [Theory]
    [InlineData("model.", float.NaN)]
    [InlineData("model.", float.PositiveInfinity)]
    [InlineData("optimizer.m0", float.NaN)]
    public void AForgedNonFiniteValueIsNamed(string prefix, float value)
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        string name = FirstTensor(CheckpointPath, prefix).Name;
        Forge(tensors => BinaryPrimitives.WriteSingleLittleEndian(tensors[name].Data.AsSpan(8), value));

        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains($"'{name}'", error.Message);
        Assert.Contains("NaN or infinite", error.Message);
    }

    [Fact]
    public void AForgedDTypeIsNamed()
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        string name = FirstTensor(CheckpointPath, "model.").Name;
        Forge(tensors => tensors[name] = tensors[name] with { DType = "I32" });   // same size, integers where floats belong

        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void OtherDataOfTheSameSizeIsRefused()
    {
        Gpt(Tokens(Corpus), iterations: 10);
        // The same characters, row lengths and token count, in another order.
        var reversed = Tokens(Corpus.Select(t => new string(t.Reverse().ToArray())).ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => Gpt(reversed, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("training data", error.Message);
        Assert.DoesNotContain("model:", error.Message);
    }

    [Fact]
    public void OtherValidationDataIsRefused()
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10, validation: Tokens(Corpus[..20]));
        var error = Assert.Throws<InvalidOperationException>(() => Gpt(data, iterations: 20, validation: Tokens(Corpus[20..40])));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("validation", error.Message);
        Assert.DoesNotContain("training data", error.Message);
    }

    [Fact]
    public void ACheckpointWithoutFormatVersionIsRefused()
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        var content = SafeTensorsFormat.Read(File.ReadAllBytes(CheckpointPath));
        var metadata = content.Metadata.Where(kv => kv.Key is not ("arml_checkpoint_format" or "arml_checksum")).ToDictionary();
        File.WriteAllBytes(CheckpointPath, SafeTensorsFormat.ToBytes(content.Tensors, metadata));

        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("format version", error.Message);
    }

    [Fact]
    public void ATruncatedCheckpointNamesItsFile()
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        byte[] file = File.ReadAllBytes(CheckpointPath);
        File.WriteAllBytes(CheckpointPath, file[..(file.Length - 100)]);
        var error = Assert.Throws<ArmlModelFormatException>(() => Gpt(data, iterations: 20));
        Assert.Contains(CheckpointPath, error.Message);
    }

    [Fact]
    public void AnIntactCheckpointStillResumes()
    {
        var data = Tokens(Corpus);
        Gpt(data, iterations: 10);
        var reports = new List<ArML.Training.TrainingProgress>();
        Gpt(data, iterations: 12, progress: new Recorder(reports.Add));
        Assert.Equal([11, 12], reports.Select(r => r.Iteration));
    }

    [Fact]
    public void DensityDataOfTheSameSizeIsRefused()
    {
        const int d = 8;
        void Fit(int seed, int iterations)
        {
            var options = DensityTrainers.Options("made-masks", iterations);
            options.CheckpointDirectory = _dir;
            options.CheckpointInterval = 5;
            DensityTrainers.Fit(_ml, options, DensityTestData.Load(_ml, DensityTestData.MarkovChain(100, d, seed), d)).Dispose();
        }
        Fit(seed: 1, iterations: 5);
        var error = Assert.Throws<InvalidOperationException>(() => Fit(seed: 2, iterations: 10));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("training data", error.Message);
    }

    [Fact]
    public void AMissingLstmStreamPositionIsNamed()
    {
        var data = Tokens(Corpus);
        void Fit(int iterations)
        {
            var options = TinyLstm.Options(iterations);
            options.HiddenSize = 16;
            options.SequenceLength = 8;
            options.Seed = 5;
            options.CheckpointDirectory = _dir;
            options.CheckpointInterval = 4;
            _ml.LanguageModeling().Trainers.Lstm(options).Fit(data).Dispose();
        }
        Fit(4);
        Forge(tensors => tensors.Remove("task.cursor"));
        var error = Assert.Throws<ArmlModelFormatException>(() => Fit(8));
        Assert.Contains(CheckpointPath, error.Message);
        Assert.Contains("cursor", error.Message);
    }

    private IDataView Tokens(string[] texts)
    {
        var rows = _ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));
        return _ml.Transforms.Text.TokenizeCharacters("Tokens", "Text")
            .Fit(_ml.Data.LoadFromEnumerable(Corpus.Select(t => new TextRow { Text = t }))).Transform(rows);
    }

    private void Gpt(IDataView data, int iterations, IDataView? validation = null, IProgress<ArML.Training.TrainingProgress>? progress = null)
    {
        var options = TinyGpt.Options(iterations);
        options.Seed = 5;
        options.CheckpointDirectory = _dir;
        options.CheckpointInterval = 5;
        options.EvaluationInterval = 1;
        options.ValidationSet = validation;
        options.EvaluationBatches = 2;
        options.Progress = progress;
        _ml.LanguageModeling().Trainers.Gpt(options).Fit(data).Dispose();
    }

    // The first tensor (in file order) whose name starts with `prefix`, and where its bytes start in the file.
    private static (string Name, int Offset) FirstTensor(string path, string prefix)
    {
        byte[] file = File.ReadAllBytes(path);
        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        using var header = JsonDocument.Parse(file.AsMemory(8, headerLength));
        var entry = header.RootElement.EnumerateObject()
            .Where(p => p.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(p => p.Value.GetProperty("data_offsets")[0].GetInt64())
            .First();
        return (entry.Name, 8 + headerLength + checked((int)entry.Value.GetProperty("data_offsets")[0].GetInt64()));
    }

    /// <summary>
    /// Changes the checkpoint's tensors as an attacker who knows the format would: when the file carries a checksum,
    /// it is recomputed (SHA-256 of the canonical image: tensors by name, metadata by key, the checksum left out), so
    /// only the checks behind the checksum can catch the change.
    /// </summary>
    private void Forge(Action<Dictionary<string, TensorData>> change)
    {
        var content = SafeTensorsFormat.Read(File.ReadAllBytes(CheckpointPath));
        var tensors = content.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value with { Data = kv.Value.Data.ToArray() }, StringComparer.Ordinal);
        change(tensors);
        var metadata = content.Metadata.ToDictionary(StringComparer.Ordinal);
        if (metadata.Remove("arml_checksum"))
        {
            byte[] image = SafeTensorsFormat.ToBytes(tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal),
                new SortedDictionary<string, string>(metadata, StringComparer.Ordinal));
            metadata["arml_checksum"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(image));
        }
        File.WriteAllBytes(CheckpointPath, SafeTensorsFormat.ToBytes(tensors, metadata));
    }

    private sealed class Recorder(Action<ArML.Training.TrainingProgress> onReport) : IProgress<ArML.Training.TrainingProgress>
    {
        public void Report(ArML.Training.TrainingProgress value) => onReport(value);
    }
}
