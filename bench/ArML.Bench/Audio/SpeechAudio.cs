using System.Diagnostics;

namespace ArML.Bench.Audio;

/// <summary>
/// Speech for the WaveNet benchmark: sentences synthesized by espeak-ng (Debian's package of that name), read from its
/// 22,050 Hz PCM16 output and resampled to 8 kHz through a windowed-sinc low-pass at 3.6 kHz.
/// </summary>
internal static class SpeechAudio
{
    public const int SampleRate = 8000;
    private const int HalfWidth = 32;          // input samples each side of an output sample
    private const double CutoffHz = 3600;      // below the 4 kHz Nyquist frequency of 8 kHz audio

    /// <summary>Whether espeak-ng can be run; otherwise <paramref name="why"/> says how to install it.</summary>
    public static bool Available(out string why)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("espeak-ng", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            process.WaitForExit();
            why = "";
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = "espeak-ng was not found: install it (Debian/Ubuntu: apt-get install espeak-ng) to run the speech part of this benchmark.";
            return false;
        }
    }

    /// <summary>Speaks <paramref name="text"/> with espeak-ng's voice <paramref name="voice"/>; returns 8 kHz samples.</summary>
    public static float[] Synthesize(string text, string voice)
    {
        string path = Path.Combine(Path.GetTempPath(), $"arml-speech-{Environment.ProcessId}.wav");
        var info = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true };
        foreach (string arg in new[] { "-v", voice, "-s", "150", "-w", path, text }) info.ArgumentList.Add(arg);
        using (var process = Process.Start(info)!)
        {
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"espeak-ng failed ({process.ExitCode}): {errors}");
        }
        var (samples, rate) = WavFile.Read(path);
        File.Delete(path);
        return Resample(samples, rate, SampleRate);
    }

    // Each output sample is the input convolved with a Hann-windowed sinc low-pass, evaluated at its position.
    private static float[] Resample(float[] input, int fromRate, int toRate)
    {
        double step = (double)fromRate / toRate, band = 2 * CutoffHz / fromRate;   // cutoff as a fraction of the input's Nyquist
        var output = new float[(int)(input.Length / step)];
        for (int i = 0; i < output.Length; i++)
        {
            double position = i * step, sum = 0;
            int center = (int)position;
            for (int j = center - HalfWidth + 1; j <= center + HalfWidth; j++)
            {
                if (j < 0 || j >= input.Length) continue;
                double u = position - j;
                double sinc = u == 0 ? 1 : Math.Sin(Math.PI * band * u) / (Math.PI * band * u);
                sum += input[j] * band * sinc * (0.5 + 0.5 * Math.Cos(Math.PI * u / HalfWidth));
            }
            output[i] = (float)sum;
        }
        return output;
    }
}
