using System.Diagnostics;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Bench;

/// <summary>
/// A second, plain TorchSharp MADE on binarized MNIST (784-H-784, one mask, natural order, ReLU, Adam, batch 100),
/// written independently of ArML's trainer: a cross-check that ArML's figures are MADE's and not an artefact of its
/// training machinery. Arguments: data folder, epochs (default 10), hidden units (default 500), learning rate (1e-3),
/// optimizer (adam or adagrad, the MADE paper's), direct input-to-output connections (0 or 1, the paper's MNIST setting).
/// </summary>
internal static class MadeReference
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        string data = args.Length > 0 ? args[0] : "../shared/data/binarized_mnist";
        int epochs = args.Length > 1 ? int.Parse(args[1]) : 10, hidden = args.Length > 2 ? int.Parse(args[2]) : 500;
        double lr = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1e-3;
        bool adagrad = args.Length > 4 && args[4] == "adagrad", direct = args.Length > 5 && args[5] == "1";
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
        using var directMask = x.unsqueeze(1).gt(x.unsqueeze(0)).to_type(ScalarType.Float32); // (D, D)

        using var first = nn.Linear(d, hidden);
        using var second = nn.Linear(hidden, d);
        using var directWeight = nn.Parameter(zeros(d, d), requires_grad: direct);
        var parameters = first.parameters().Concat(second.parameters()).ToList();
        if (direct) parameters.Add(directWeight);
        optim.Optimizer optimizer = adagrad ? optim.Adagrad(parameters, lr) : optim.Adam(parameters, lr);
        var model = new Made(first, second, inMask, outMask, direct ? directWeight : null, directMask);
        long rows = train.shape[0];
        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            using var permutation = randperm(rows);
            for (long start = 0; start + 100 <= rows; start += 100)
            {
                using var scope = NewDisposeScope();
                var batch = train.index_select(0, permutation.narrow(0, start, 100));
                var loss = model.Nll(batch).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
            double validNll;
            using (no_grad())
            using (var scope = NewDisposeScope())
                validNll = model.Nll(valid).mean().item<float>();
            Console.WriteLine($"reference MADE {hidden} hidden, epoch {epoch}: valid NLL {validNll:F2} nats/image ({clock.Elapsed:mm\\:ss})");
        }
        return 0;
    }

    private sealed record Made(TorchSharp.Modules.Linear First, TorchSharp.Modules.Linear Second, Tensor InMask, Tensor OutMask, Tensor? Direct, Tensor DirectMask)
    {
        // Negative log-likelihood per image (B).
        public Tensor Nll(Tensor batch)
        {
            var hidden = F.relu(F.linear(batch, First.weight! * InMask, First.bias));
            var logits = F.linear(hidden, Second.weight! * OutMask, Second.bias);
            if (Direct is not null) logits = logits + F.linear(batch, Direct * DirectMask);
            return F.binary_cross_entropy_with_logits(logits, batch, reduction: nn.Reduction.None).sum(1);
        }
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
