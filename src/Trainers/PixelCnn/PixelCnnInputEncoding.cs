namespace ArML.Trainers.PixelCnn;

/// <summary>How a PixelCNN reads the values it conditions on.</summary>
public enum PixelCnnInputEncoding
{
    /// <summary>One-hot for a key column with categorical outputs, scaled numbers otherwise.</summary>
    Auto,
    /// <summary>Each value as one number, the category divided by K − 1 (ordered values such as intensities).</summary>
    Scaled,
    /// <summary>Each value as K indicator maps (unordered categories such as codes); categorical outputs only.</summary>
    OneHot,
}
