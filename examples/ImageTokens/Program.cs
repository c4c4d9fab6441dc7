using ArML.Examples.ImageTokens;

// Images as tokens: a VQ-VAE turns binarized MNIST digits into 7 × 7 grids of codes, a GPT models the codes, and
// codes sampled from the GPT decode into new digits. About three minutes of CPU with the default budgets;
// --pixelcnn-seconds S adds a PixelCNN prior over the 7 × 7 code grid, trained for S seconds (--pixelcnn-input scaled
// reads the codes as numbers instead of one-hot; --pixelcnn-also scaled trains that one too, for a same-run comparison).
var settings = ImageTokensSettings.Parse(args);
string? folder = settings.DataFolder ?? MnistImages.Find();
if (folder is null || !File.Exists(Path.Combine(folder, "train.bin")))
{
    Console.Error.WriteLine("Binarized MNIST was not found. It is expected in ../shared/data/binarized_mnist beside the repository " +
        "(train.bin and test.bin: rows of 98 bytes, 784 pixels packed most significant bit first), or pass --data FOLDER.");
    return 2;
}
ImageTokensRun.Run(settings, folder, Console.Out);
return 0;
