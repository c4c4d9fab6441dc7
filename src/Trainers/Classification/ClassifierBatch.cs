using static TorchSharp.torch;

namespace ArML.Trainers.Classification;

/// <summary>Framed rows as one right-padded batch, for training and for scoring.</summary>
internal static class ClassifierBatch
{
    /// <summary>
    /// Ids (B, T) padded with 0, each row's last position (B), and the next-token targets (B, T) with their mask
    /// (1 at positions 0 … length − 2 of each row, 0 at its last position and the padding) and the mask's sum.
    /// </summary>
    public static (Tensor Ids, Tensor Last, Tensor? Targets, Tensor? Mask, long Positions) Build(IReadOnlyList<int[]> framed,
        IReadOnlyList<int> picked, Device device, bool withTargets = true)
    {
        int b = picked.Count;
        int length = picked.Max(r => framed[r].Length);
        var ids = new long[b * length];
        var last = new long[b];
        var targets = withTargets ? new long[b * length] : null;
        var mask = withTargets ? new float[b * length] : null;
        long positions = 0;
        for (int i = 0; i < b; i++)
        {
            var row = framed[picked[i]];
            last[i] = row.Length - 1;
            for (int j = 0; j < row.Length; j++) ids[i * length + j] = row[j];
            if (!withTargets) continue;
            for (int j = 0; j + 1 < row.Length; j++)
            {
                targets![i * length + j] = row[j + 1];
                mask![i * length + j] = 1;
                positions++;
            }
        }
        return (tensor(ids, [b, length], device: device), tensor(last, device: device),
            targets is null ? null : tensor(targets, [b, length], device: device),
            mask is null ? null : tensor(mask, [b, length], device: device), positions);
    }
}
