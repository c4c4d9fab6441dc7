using System.Reflection;
using System.Text;
using TorchSharp;

namespace ArML.Tests.Support;

/// <summary>
/// Finds TorchSharp's public methods that hand libtorch a <see cref="Scalar"/> nothing keeps alive: their IL creates
/// one (an implicit conversion or <c>ToScalar</c>) and never disposes it, directly or through a TorchSharp callee.
/// Names them as documentation IDs, the form of build/BannedSymbols.TorchScalars.txt.
/// </summary>
/// <remarks>
/// A call is followed to the method its token names: a module's forward reached through <c>Module.call</c>'s virtual
/// dispatch is not. The list names those forwards themselves (ELU, Softplus, BatchNorm, LeakyReLU, ...), so a
/// reviewer adding such a module to src/ sees it there; none is used today.
/// </remarks>
internal static class TorchScalarAudit
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
        | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<string> UnkeptScalarMethods()
    {
        var assembly = typeof(Scalar).Assembly;
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }

        var callees = new Dictionary<MethodBase, List<MethodBase>>();
        var unkept = new HashSet<MethodBase>();
        foreach (var method in types.SelectMany(Methods))
        {
            var called = Callees(method);
            callees[method] = called;
            bool creates = called.Any(c => (c.DeclaringType == typeof(Scalar) && c.Name == "op_Implicit")
                                           || (c.Name == "ToScalar" && c.DeclaringType?.Name == "ScalarExtensionMethods"));
            bool disposes = called.Any(c => c.DeclaringType == typeof(Scalar) && c.Name == "Dispose");
            bool factory = method.DeclaringType == typeof(Scalar) || method.DeclaringType?.Name == "ScalarExtensionMethods";
            if (creates && !disposes && !factory) unkept.Add(method);
        }
        for (bool grew = true; grew;)   // a method that calls one of these hands its Scalar on too
        {
            grew = false;
            foreach (var (method, called) in callees)
                if (!unkept.Contains(method) && called.Any(c => unkept.Contains(Definition(c)))) grew = unkept.Add(method) | grew;
        }
        return unkept.Where(m => (m.IsPublic || m.IsFamily) && m.DeclaringType!.IsVisible)
            .Select(DocumentationId).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    private static IEnumerable<MethodBase> Methods(Type type)
    {
        try { return type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)).ToList(); }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException) { return []; }
    }

    private static MethodBase Definition(MethodBase method) =>
        method is MethodInfo { IsGenericMethod: true } generic && !generic.IsGenericMethodDefinition ? generic.GetGenericMethodDefinition() : method;

    // The methods a body calls: call, callvirt and newobj take a metadata token as their operand.
    private static List<MethodBase> Callees(MethodBase method)
    {
        var found = new List<MethodBase>();
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is FileNotFoundException or TypeLoadException or BadImageFormatException) { return found; }
        if (il is null) return found;
        var typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (int i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] is not (0x28 or 0x6F or 0x73)) continue;   // a scan, not a decoder: a wrong guess resolves to nothing
            try
            {
                if (method.Module.ResolveMember(BitConverter.ToInt32(il, i + 1), typeArguments, methodArguments) is MethodBase callee)
                    found.Add(callee);
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or TypeLoadException or BadImageFormatException or MissingMemberException) { }
        }
        return found;
    }

    private static string DocumentationId(MethodBase method)
    {
        var id = new StringBuilder("M:").Append(TypeName(method.DeclaringType!)).Append('.')
            .Append(method.IsConstructor ? "#ctor" : method.Name);
        if (method.IsGenericMethod) id.Append("``").Append(method.GetGenericArguments().Length);
        var parameters = method.GetParameters();
        if (parameters.Length > 0) id.Append('(').AppendJoin(',', parameters.Select(p => TypeName(p.ParameterType))).Append(')');
        if (method.Name is "op_Implicit" or "op_Explicit") id.Append('~').Append(TypeName(((MethodInfo)method).ReturnType));
        return id.ToString();
    }

    private static string TypeName(Type type)
    {
        if (type.IsByRef) return TypeName(type.GetElementType()!) + "@";
        if (type.IsArray) return TypeName(type.GetElementType()!) + "[]";
        if (type.IsGenericParameter) return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            var definition = type.GetGenericTypeDefinition();
            string name = (definition.FullName ?? definition.Name).Replace('+', '.');
            return name[..name.IndexOf('`')] + "{" + string.Join(",", type.GetGenericArguments().Select(TypeName)) + "}";
        }
        return (type.FullName ?? type.Name).Replace('+', '.');
    }
}
