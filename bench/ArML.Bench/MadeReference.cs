using System.Diagnostics;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Bench;

/// <summary>
/// A second, plain TorchSharp MADE on binarized MNIST (784-H-784, one mask, natural order, ReLU, Adam, batch 100),
/// written independently of ArML's trainer: a cross-check that ArML's figures are MADE's and not an artefact of its
/// training machinery. Arguments: data folder, epochs (default 10), hidden units (default 500), learning rate (1e-3).
/// </summary>
internal static class MadeReference
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        string data = args.Length > 0 ? args[0] : "../shared/data/binarized_mnist";
        int epochs = args.Length > 1 ? int.Parse(args[1]) : 10, hidden = args.Length > 2 ? int.Parse(args[2]) : 500;
        double lr = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1e-3;
        using var train = Images(Path.Combine(data, "train.bin"));
        using var valid = Images(Path.Combine(data, "valid.bin"));
        const int d = BinarizedMnist.Pixels;

        // Degrees: inputs 1..D in natural order, hidden units uniform in [1, D − 1].
        var random = new Random(1);
        var hiddenDegree = Enumerable.Range(0, hidden).Select(_ => (float)random.Next(1, d)).ToArray();
        var inputDegree = Enumerable.Range(1, d).Select(i => (float)i).ToArray();
        using var h = tensor(hiddenDegree);
        using var x = tensor(inputDegree);
        using var inMask = h.unsqueeze(1).ge(x.unsqueeze(0)).to_type(ScalarType.Float32);    // (H, D)
        using var outMask = x.unsqueeze(1).gt(h.unsqueeze(0)).to_type(ScalarType.Float32);   // (D, H)

        using var first = nn.Linear(d, hidden);
        using var second = nn.Linear(hidden, d);
        var parameters = first.parameters().Concat(second.parameters()).ToList();
        var optimizer = optim.Adam(parameters, lr);
        long rows = train.shape[0];
        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            using var permutation = randperm(rows);
            for (long start = 0; start + 100 <= rows; start += 100)
            {
                using var scope = NewDisposeScope();
                var batch = train.index_select(0, permutation.narrow(0, start, 100));
                var loss = Nll(first, second, inMask, outMask, batch).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            double validNll;
            using (no_grad())
            using (var scope = NewDisposeScope())
                validNll = Nll(first, second, inMask, outMask, valid).mean().item<float>();
            Console.WriteLine($"reference MADE {hidden} hidden, epoch {epoch}: valid NLL {validNll:F2} nats/image ({clock.Elapsed:mm\\:ss})");
        }
        return 0;
    }

    // Negative log-likelihood per image (B).
    private static Tensor Nll(TorchSharp.Modules.Linear first, TorchSharp.Modules.Linear second, Tensor inMask, Tensor outMask, Tensor batch)
    {
        var hidden = F.relu(F.linear(batch, first.weight! * inMask, first.bias));
        var logits = F.linear(hidden, second.weight! * outMask, second.bias);
        return F.binary_cross_entropy_with_logits(logits, batch, reduction: nn.Reduction.None).sum(1);
    }

    private static Tensor Images(string file)
    {
        var images = BinarizedMnist.Read(file);
        var values = new float[images.Count * BinarizedMnist.Pixels];
        for (int i = 0; i < images.Count; i++)
            for (int j = 0; j < BinarizedMnist.Pixels; j++) values[i * BinarizedMnist.Pixels + j] = images[i][j] ? 1 : 0;
        return tensor(values, [images.Count, BinarizedMnist.Pixels]);
    }
}
