using Xunit;
using ArML.Persistence;
using Microsoft.ML;
using Microsoft.ML.Data;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

public sealed class AtomicSaveTests : IDisposable
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ExistingFile()
    {
        string path = Path.Combine(_dir, "model.zip");
        File.WriteAllText(path, "previous model");
        return path;
    }

    private void AssertUntouched(string path)
    {
        Assert.Equal("previous model", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void UnsavableTransformerLeavesTheExistingFileAndNoTemporaryFile()
    {
        string path = ExistingFile();
        var data = SampleData(_ml);
        var model = new TransformerChain<ITransformer>(TextChain(_ml, data).First(), new UnsavableTransformer());
        var e = Assert.Throws<NotSupportedException>(() => _ml.Model.SaveArml(model, data.Schema, path));
        Assert.Contains(typeof(UnsavableTransformer).FullName!, e.Message);
        AssertUntouched(path);
    }

    [Fact]
    public void FailureInsideAComponentMidwayLeavesTheExistingFileAndNoTemporaryFile()
    {
        string path = ExistingFile();
        var data = SampleData(_ml);
        var failing = new TestComponent(new TestComponentConfig("x", false, false, ""), TestComponent.SampleTensors(1), [1])
        {
            FailDuringSave = true,
        };
        var model = new TransformerChain<ITransformer>(TextChain(_ml, data).First(), failing);
        Assert.Throws<IOException>(() =>
            AtomicFile.Write(path, stream => ArmlModelSaver.Save(_ml.Model, model, data.Schema, stream, TestRegistry.Table)));
        AssertUntouched(path);
    }

    [Fact]
    public void SchemaThatDoesNotFitTheModelFailsWithoutTouchingTheFile()
    {
        string path = ExistingFile();
        var data = SampleData(_ml);
        var model = TextChain(_ml, data);
        var otherSchema = _ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } }).Schema;
        var e = Assert.Throws<ArgumentException>(() => _ml.Model.SaveArml(model, otherSchema, path));
        Assert.Contains("input schema does not fit", e.Message);
        AssertUntouched(path);
    }

    [Fact]
    public void SuccessfulSaveReplacesTheExistingFile()
    {
        string path = ExistingFile();
        var data = SampleData(_ml);
        _ml.Model.SaveArml(TextChain(_ml, data), data.Schema, path);
        Assert.NotEqual("previous model", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
        Assert.NotNull(_ml.Model.LoadArml(path, out _));
    }
}
