// Counts the public types of ArML's libraries: what Assembly.GetExportedTypes() would return (top-level public types and
// public types nested in them), read from the built assemblies' metadata so nothing has to be loaded.
// Usage (after `dotnet build -c Release`): dotnet run tools/public-api/count-public-types.cs [--list] [ASSEMBLY.dll ...]
// Without assembly paths it reads src/{Core,Transforms,Trainers,Evaluators,Cli}/bin/Release/net10.0/.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

var list = args.Contains("--list");
var paths = args.Where(a => a != "--list").ToList();
if (paths.Count == 0)
{
    var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "..", ".."));
    foreach (var (dir, name) in new[] { ("Core", "ArML.Core"), ("Transforms", "ArML.Transforms"), ("Trainers", "ArML.Trainers"),
                                         ("Evaluators", "ArML.Evaluators"), ("Cli", "arml") })
        paths.Add(Path.Combine(root, "src", dir, "bin", "Release", "net10.0", name + ".dll"));
}

var total = 0;
foreach (var path in paths)
{
    using var pe = new PEReader(File.OpenRead(path));
    var md = pe.GetMetadataReader();
    var names = new List<string>();
    foreach (var handle in md.TypeDefinitions)
    {
        if (IsExported(md, handle)) names.Add(FullName(md, handle));
    }
    names.Sort(StringComparer.Ordinal);
    Console.WriteLine($"{Path.GetFileName(path)}: {names.Count}");
    if (list) foreach (var n in names) Console.WriteLine("  " + n);
    total += names.Count;
}
Console.WriteLine($"total: {total}");

static bool IsExported(MetadataReader md, TypeDefinitionHandle handle)
{
    var type = md.GetTypeDefinition(handle);
    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
    if (visibility == TypeAttributes.Public) return true;
    if (visibility != TypeAttributes.NestedPublic) return false;
    return IsExported(md, type.GetDeclaringType());
}

static string FullName(MetadataReader md, TypeDefinitionHandle handle)
{
    var type = md.GetTypeDefinition(handle);
    var name = md.GetString(type.Name);
    var declaring = type.GetDeclaringType();
    if (!declaring.IsNil) return FullName(md, declaring) + "+" + name;
    var ns = md.GetString(type.Namespace);
    return ns.Length == 0 ? name : ns + "." + name;
}
