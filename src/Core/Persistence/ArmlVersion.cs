using System.Reflection;

namespace ArML.Persistence;

/// <summary>The ArML version recorded in files this library writes and quoted in error messages.</summary>
internal static class ArmlVersion
{
    internal static readonly string Current =
        typeof(ArmlVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ArmlVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
