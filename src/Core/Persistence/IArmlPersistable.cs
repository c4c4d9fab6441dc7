namespace ArML.Persistence;

/// <summary>
/// An ArML component that <c>mlContext.Model.SaveArml</c> can write. Its <see cref="ArmlKind"/> must be listed in
/// <see cref="ArmlComponentRegistry"/>, which names the loader that reads it back.
/// </summary>
internal interface IArmlPersistable
{
    /// <summary>Stable kind name written to the manifest, e.g. "ArML.CharacterTokenizer".</summary>
    string ArmlKind { get; }

    /// <summary>Version of this kind's on-disk layout; loaders reject versions they do not know.</summary>
    int ArmlKindVersion { get; }

    /// <summary>Writes the component's configuration and tensors.</summary>
    void SaveArml(ArmlComponentWriter writer);
}
