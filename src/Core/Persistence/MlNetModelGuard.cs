using System.Buffers.Binary;
using System.IO.Compression;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;
using Microsoft.ML;

namespace ArML.Persistence;

/// <summary>
/// Inspects an ML.NET model zip before ML.NET's loader sees it. Each component ML.NET saved sits in a
/// <c>Model.key</c> entry behind ML.NET's binary model header, which names a loader signature (which registered
/// class rebuilds the component) and, optionally, the assembly to load that class from: ML.NET loads that assembly
/// into the process. A file could thus make any installed assembly load, so every name is checked first against
/// the ML.NET assemblies below and the loader signatures they declare.
/// </summary>
/// <remarks>
/// The allow-list is the ML.NET assemblies whose transformers an ArML pipeline is expected to hold: Core and Data
/// (chains, schema, column copy/select/concat, key mapping, normalization), Transforms (text featurization, the
/// transforms before and after language models) and StandardTrainers (linear models that consume ArML's features).
/// Microsoft.ML.PCA and Microsoft.ML.KMeansClustering ship in the same package but are left out: ArML does not use
/// them, and a model that needs them can be saved with ML.NET's own <c>Save</c>.
/// </remarks>
internal static class MlNetModelGuard
{
    /// <summary>The ML.NET assemblies a model file may name (simple names).</summary>
    internal static readonly IReadOnlyList<string> AllowedAssemblies =
        ["Microsoft.ML.Core", "Microsoft.ML.Data", "Microsoft.ML.Transforms", "Microsoft.ML.StandardTrainers"];

    // ML.NET's header: 'ML\0MODEL' first, 256 bytes in all; two 24-byte ASCII loader signatures at 0x50 and 0x68; the
    // offset (from the header's start) and byte count of the UTF-16 assembly name at 0x90 and 0x98.
    private const ulong HeaderSignature = 0x4C45444F4D004C4DUL;
    private const int HeaderSize = 0x100;
    private const int LoaderSignatureOffset = 0x50;
    private const int LoaderSignatureAltOffset = 0x68;
    private const int SignatureLength = 24;
    private const int AssemblyNameOffsetField = 0x90;
    private const int AssemblyNameLengthField = 0x98;
    private const int MaxAssemblyNameBytes = 4096;
    private const string ModelKey = "Model.key";

    private static readonly Lazy<HashSet<string>> AllowedLoaderSignatures = new(CollectLoaderSignatures);

    /// <summary>
    /// Checks the ML.NET model zip in <paramref name="zipBytes"/> (entry <paramref name="entry"/> of the ArML file):
    /// safe zip layout, entries no longer than they declare, and only allowed assemblies and loader signatures.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">Something is not allowed; the message names the ML.NET entry and the name.</exception>
    internal static void Check(byte[] zipBytes, string entry)
    {
        string what = $"ML.NET model entry '{entry}'";
        using var stream = new MemoryStream(zipBytes, writable: false);
        var spans = ZipLayout.Check(stream, what, ManifestReader.MaxEntries);
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            ZipLayout.RequireSameEntries(spans, zip, what);
            foreach (var item in zip.Entries)
            {
                byte[] content = ReadCapped(item, what);
                bool isModelKey = item.FullName.Replace('\\', '/').Split('/')[^1].Equals(ModelKey, StringComparison.OrdinalIgnoreCase);
                if (isModelKey || StartsWithHeader(content)) CheckHeader(content, $"{what}, file '{item.FullName}'");
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new ArmlModelFormatException($"{what} is damaged: {e.Message}", e);
        }
    }

    // The zip's declared sizes were bounded against the file; an entry that inflates past its own declared size would
    // escape that bound inside ML.NET, so it is refused here.
    private static byte[] ReadCapped(ZipArchiveEntry item, string what)
    {
        if (item.Length > Array.MaxLength - 1)
            throw new ArmlModelFormatException($"{what}: file '{item.FullName}' declares {item.Length} bytes, too many.");
        byte[] content = new byte[item.Length];
        using var inner = item.Open();
        inner.ReadExactly(content);
        if (inner.ReadByte() >= 0)
            throw new ArmlModelFormatException($"{what}: file '{item.FullName}' holds more than the {item.Length} bytes its zip record declares.");
        return content;
    }

    private static bool StartsWithHeader(byte[] content) =>
        content.Length >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(content) == HeaderSignature;

    private static void CheckHeader(byte[] content, string where)
    {
        if (content.Length < HeaderSize || !StartsWithHeader(content))
            throw new ArmlModelFormatException($"{where} is not an ML.NET model block (no valid header).");
        foreach (int offset in (ReadOnlySpan<int>)[LoaderSignatureOffset, LoaderSignatureAltOffset])
        {
            string signature = ReadSignature(content.AsSpan(offset, SignatureLength));
            if (signature.Length > 0 && !AllowedLoaderSignatures.Value.Contains(signature))
                throw new ArmlModelFormatException(
                    $"{where} names the loader '{Printable(signature)}', which none of the allowed ML.NET assemblies " +
                    $"({string.Join(", ", AllowedAssemblies)}) declares; ArML does not hand such a model to ML.NET.");
        }
        long nameOffset = BinaryPrimitives.ReadInt64LittleEndian(content.AsSpan(AssemblyNameOffsetField));
        uint nameBytes = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(AssemblyNameLengthField));
        if (nameOffset == 0 && nameBytes == 0) return;
        if (nameOffset < HeaderSize || nameBytes % 2 != 0 || nameBytes > MaxAssemblyNameBytes || nameOffset > content.Length - nameBytes)
            throw new ArmlModelFormatException($"{where} has a malformed assembly name field.");
        string name = Encoding.Unicode.GetString(content, (int)nameOffset, (int)nameBytes);
        if (!IsAllowedAssembly(name))
            throw new ArmlModelFormatException(
                $"{where} asks ML.NET to load assembly '{Printable(name)}', which is not one of the ML.NET assemblies ArML " +
                $"allows ({string.Join(", ", AllowedAssemblies)}); the file was not written by ArML or was altered.");
    }

    private static string ReadSignature(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.Length;
        while (length > 0 && bytes[length - 1] == 0) length--;
        // ML.NET reads each byte as one char (Latin-1).
        return Encoding.Latin1.GetString(bytes[..length]);
    }

    private static bool IsAllowedAssembly(string fullName)
    {
        AssemblyName parsed;
        try
        {
            parsed = new AssemblyName(fullName);
        }
        catch (Exception e) when (e is ArgumentException or FileLoadException)
        {
            return false;
        }
        if (parsed.Name is null || !AllowedAssemblies.Contains(parsed.Name, StringComparer.OrdinalIgnoreCase)) return false;
        // ML.NET records strong names; a name with another key would be another publisher's assembly.
        byte[]? token = parsed.GetPublicKeyToken();
        byte[] expected = typeof(MLContext).Assembly.GetName().GetPublicKeyToken() ?? [];
        return token is null || token.Length == 0 || token.AsSpan().SequenceEqual(expected);
    }

    // A loader signature is either a load name of a class ML.NET registers with an assembly-level LoadableClass
    // attribute (resolved through ML.NET's catalog), or a sub-model's signature that its parent checks itself (e.g.
    // "TermManager" under a key mapping). The attribute type is internal to ML.NET, and sub-model signatures are
    // string literals in its code, so both are collected from the allowed assemblies' public metadata: the attributes'
    // arguments (CustomAttributeData) and the strings of their metadata (constants and literals). A file can thus
    // name only signatures that exist in those assemblies.
    private static HashSet<string> CollectLoaderSignatures()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string assemblyName in AllowedAssemblies)
        {
            var assembly = Assembly.Load(new AssemblyName(assemblyName));
            foreach (var attribute in assembly.GetCustomAttributesData())
            {
                if (attribute.AttributeType.Name != "LoadableClassAttribute" || attribute.ConstructorArguments.Count == 0) continue;
                if (attribute.ConstructorArguments[^1].Value is not IEnumerable<CustomAttributeTypedArgument> loadNames) continue;
                foreach (var name in loadNames)
                    if (name.Value is string s && s.Length > 0) names.Add(s);
            }
            AddMetadataStrings(assembly, names);
        }
        return names;
    }

    private static void AddMetadataStrings(Assembly assembly, HashSet<string> into)
    {
        if (string.IsNullOrEmpty(assembly.Location)) return;   // single-file hosts: the load names above remain
        using var file = File.OpenRead(assembly.Location);
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();
        var handle = MetadataTokens.UserStringHandle(1);
        while (!handle.IsNil)
        {
            string value = metadata.GetUserString(handle);
            if (IsSignatureLike(value)) into.Add(value);
            handle = metadata.GetNextHandle(handle);
        }
        foreach (var constantHandle in Enumerable.Range(1, metadata.GetTableRowCount(TableIndex.Constant))
                     .Select(MetadataTokens.ConstantHandle))
        {
            var constant = metadata.GetConstant(constantHandle);
            if (constant.TypeCode != ConstantTypeCode.String) continue;
            var blob = metadata.GetBlobReader(constant.Value);
            string? value = blob.ReadUTF16(blob.Length);
            if (IsSignatureLike(value)) into.Add(value!);
        }
    }

    // ML.NET's header holds at most 24 Latin-1 characters.
    private static bool IsSignatureLike(string? value) =>
        value is { Length: > 0 and <= SignatureLength } && value.All(c => c is > ' ' and <= (char)0xFF);

    private static string Printable(string s)
    {
        var builder = new StringBuilder();
        foreach (char c in s.Length <= 200 ? s : s[..200])
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c);
        return builder.ToString();
    }
}
