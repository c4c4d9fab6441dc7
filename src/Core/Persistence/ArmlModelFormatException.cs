namespace ArML.Persistence;

/// <summary>
/// An ArML model file (or one of its parts) is damaged, was changed after it was written, comes from a newer
/// ArML, or needs a component this installation cannot load. The message names the entry, tensor or kind at fault.
/// </summary>
/// <remarks>
/// It derives from <see cref="FormatException"/> so that code which already treats malformed input generically keeps
/// working. Loading never returns a partly built model: when this is thrown, nothing from the file is in use.
/// </remarks>
public sealed class ArmlModelFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ArmlModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that revealed the problem.</summary>
    public ArmlModelFormatException(string message, Exception? innerException) : base(message, innerException) { }
}
