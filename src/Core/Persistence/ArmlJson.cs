using System.Text.Encodings.Web;
using System.Text.Json;

namespace ArML.Persistence;

/// <summary>JSON settings for the manifest and for component configuration.</summary>
internal static class ArmlJson
{
    /// <summary>
    /// camelCase and indented, so files are readable and diffable. Dictionary keys are left as they are (a vocabulary
    /// must not be re-cased). Required members, non-nullable annotations and constructor parameters are enforced when
    /// reading, so a hand-edited or truncated file fails with a JSON error instead of yielding nulls that crash later.
    /// </summary>
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        MaxDepth = 64,
        // The files are never embedded in HTML, so non-ASCII text and '+' can stay readable instead of \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
