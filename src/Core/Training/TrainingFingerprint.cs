using System.Text.Json;

namespace ArML.Training;

/// <summary>
/// What a training run is, part by part — the model's shape, the content of the training and validation data, the
/// options that give a checkpoint's state its meaning — so that resuming from a checkpoint of another run is refused
/// with the parts that differ named.
/// </summary>
/// <remarks>
/// Parts are compared as strings: a value given as an object is serialized to JSON. A part may be computed lazily
/// (<see cref="With(string, Func{object?})"/>), so hashing the data costs nothing when no checkpoint is kept.
/// Options that a user may rightly change between an interrupted run and its resumption — the stopping limits, the
/// learning rate and the other optimizer settings (a diverged run is resumed with a lower learning rate) — are not
/// parts of a fingerprint.
/// </remarks>
internal sealed class TrainingFingerprint
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly SortedDictionary<string, Lazy<string>> _parts = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) part <paramref name="part"/>: a string as it is, anything else as JSON.</summary>
    public TrainingFingerprint With(string part, object? value)
    {
        string text = Text(value);
        _parts[part] = new Lazy<string>(() => text);
        return this;
    }

    /// <summary>Adds a part computed only when a checkpoint needs it (e.g. a hash over the training data).</summary>
    public TrainingFingerprint With(string part, Func<object?> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _parts[part] = new Lazy<string>(() => Text(value()));
        return this;
    }

    /// <summary>The parts by name (computing lazy ones).</summary>
    public IReadOnlyDictionary<string, string> Parts => _parts.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);

    /// <summary>The parts as one JSON object.</summary>
    public override string ToString() => JsonSerializer.Serialize(Parts, Json);

    /// <summary>
    /// The parts in which <paramref name="saved"/> (another run's <see cref="Parts"/>) differs from this one, each
    /// described with both values (shortened); empty when they are the same run.
    /// </summary>
    public IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var differences = new List<string>();
        var now = Parts;
        foreach (var name in now.Keys.Union(saved.Keys).Order(StringComparer.Ordinal))
        {
            bool before = saved.TryGetValue(name, out var old), after = now.TryGetValue(name, out var current);
            if (before && after && old == current) continue;
            differences.Add($"{name}: the checkpoint's {(before ? Shorten(old!) : "(none)")}, this run's {(after ? Shorten(current!) : "(none)")}");
        }
        return differences;
    }

    internal static IReadOnlyDictionary<string, string>? ParseParts(string json)
    {
        try { return JsonSerializer.Deserialize<Dictionary<string, string>>(json, Json); }
        catch (JsonException) { return null; }
    }

    private static string Text(object? value) => value as string ?? JsonSerializer.Serialize(value, Json);

    // Parts can be long (a model's configuration); a message shows enough to see which field changed.
    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
