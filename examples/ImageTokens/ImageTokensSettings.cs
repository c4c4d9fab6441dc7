using System.Globalization;
using ArML.Trainers.PixelCnn;

namespace ArML.Examples.ImageTokens;

/// <summary>The example's command line: sizes and CPU budgets.</summary>
/// <param name="DataFolder">The binarized MNIST folder, or null to look for ../shared/data/binarized_mnist.</param>
/// <param name="TrainImages">Training images read.</param>
/// <param name="TestImages">Test images read (also the validation set of both models).</param>
/// <param name="QuantizerSeconds">Training budget of the VQ-VAE.</param>
/// <param name="PriorSeconds">Training budget of the GPT prior.</param>
/// <param name="PixelCnnSeconds">Training budget of the optional PixelCNN prior over the code grid; 0 leaves it out.</param>
/// <param name="MaxIterations">Step limit of each model (the budgets usually stop them first).</param>
/// <param name="Samples">Images sampled from the prior.</param>
/// <param name="Output">The PNG written.</param>
/// <param name="PixelCnnInput">How the PixelCNN prior reads the codes (Auto: one-hot, as they come as keys).</param>
/// <param name="PixelCnnAlso">A second PixelCNN prior, reading the codes this way, trained on the same codes with the same budget (a same-run comparison).</param>
public sealed record ImageTokensSettings(string? DataFolder = null, int TrainImages = 20_000, int TestImages = 1_000, double QuantizerSeconds = 90,
    double PriorSeconds = 60, double PixelCnnSeconds = 0, int MaxIterations = 100_000, int Samples = 24, string Output = "image-tokens.png",
    PixelCnnInputEncoding PixelCnnInput = PixelCnnInputEncoding.Auto,
    PixelCnnInputEncoding? PixelCnnAlso = null)
{
    /// <summary>Reads --data, --train, --test, --vq-seconds, --prior-seconds, --pixelcnn-seconds, --pixelcnn-input, --pixelcnn-also, --iterations, --samples and --out.</summary>
    /// <exception cref="ArgumentException">An option is unknown or lacks its value.</exception>
    public static ImageTokensSettings Parse(string[] args)
    {
        var settings = new ImageTokensSettings();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            string value = args[++i];
            settings = name switch
            {
                "--data" => settings with { DataFolder = value },
                "--train" => settings with { TrainImages = int.Parse(value, CultureInfo.InvariantCulture) },
                "--test" => settings with { TestImages = int.Parse(value, CultureInfo.InvariantCulture) },
                "--vq-seconds" => settings with { QuantizerSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--prior-seconds" => settings with { PriorSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--pixelcnn-seconds" => settings with { PixelCnnSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--pixelcnn-input" => settings with { PixelCnnInput = Enum.Parse<PixelCnnInputEncoding>(value, ignoreCase: true) },
                "--pixelcnn-also" => settings with { PixelCnnAlso = Enum.Parse<PixelCnnInputEncoding>(value, ignoreCase: true) },
                "--iterations" => settings with { MaxIterations = int.Parse(value, CultureInfo.InvariantCulture) },
                "--samples" => settings with { Samples = int.Parse(value, CultureInfo.InvariantCulture) },
                "--out" => settings with { Output = value },
                _ => throw new ArgumentException($"Unknown option {name}. Options: --data, --train, --test, --vq-seconds, --prior-seconds, --pixelcnn-seconds, --pixelcnn-input, --pixelcnn-also, --iterations, --samples, --out."),
            };
        }
        return settings;
    }
}
