using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace ArML.Onnx;

/// <summary>
/// Builds one ONNX graph node by node with OnnxSharp's message classes: every node gets a fresh output name, constants
/// become initializers, and <see cref="ToModel"/> wraps the graph in a model of the default domain at
/// <see cref="Opset"/> (plus version 1 of any custom-operator domain a node uses).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>
    /// The opset every exported graph declares: 17 is the first with LayerNormalization, and every operator used here
    /// is in the default domain at that version (Split and ReduceSum take their sizes and axes as inputs since 13).
    /// </summary>
    public const int Opset = 17;

    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    private const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly List<string> _domains = [];
    private int _next;

    public OnnxGraph(string name) => _graph = new GraphProto { Name = name };

    /// <summary>Adds a node of <paramref name="op"/> with one output and returns that output's name.</summary>
    public string Node(string op, IEnumerable<string> inputs, params (string Name, object Value)[] attributes) =>
        Node(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Node(string op, IEnumerable<string> inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_next}" };
        node.Input.AddRange(inputs);
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) names[i] = $"{op.ToLowerInvariant()}_{_next}_{i}";
        node.Output.AddRange(names);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _next++;
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Adds a node of <paramref name="op"/> with a chosen node name (ONNX Runtime's errors name the node) and returns its output's name.</summary>
    public string NodeWithName(string nodeName, string op, IEnumerable<string> inputs, params (string Name, object Value)[] attributes)
    {
        string output = Node(op, inputs, 1, attributes)[0];
        _graph.Node[^1].Name = nodeName;
        return output;
    }

    /// <summary>Adds a node of <paramref name="op"/> in <paramref name="domain"/> (a custom-operator library's) and returns its outputs' names.</summary>
    public string[] CustomNode(string domain, string op, IEnumerable<string> inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var names = Node(op, inputs, outputs, attributes);
        _graph.Node[^1].Domain = domain;
        if (!_domains.Contains(domain)) _domains.Add(domain);
        return names;
    }

    /// <summary>Adds a node whose single output has a chosen name (a graph output).</summary>
    public void NodeNamed(string output, string op, IEnumerable<string> inputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_next++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
    }

    /// <summary>A float initializer of the given shape, stored in <paramref name="type"/> (Float or Float16).</summary>
    public string Weights(string name, ReadOnlySpan<float> values, long[] dims, DataType type)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        if (type == DataType.Float16)
        {
            var halves = new Half[values.Length];
            for (int i = 0; i < halves.Length; i++) halves[i] = (Half)values[i];
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan()));
        }
        else tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, indices), shared by every use of the same values.</summary>
    public string Int64s(params long[] values) => Constant(values, DataType.Int64, [values.Length], t => t.Int64Data.AddRange(values));

    /// <summary>A named 1-D int64 table (a lookup for Gather).</summary>
    public string Int64Table(string name, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>The value attribute of a ConstantOfShape that fills int64 ones.</summary>
    public static TensorProto OneInt64()
    {
        var tensor = new TensorProto { DataType = (int)DataType.Int64 };
        tensor.Dims.Add(1);
        tensor.Int64Data.Add(1);
        return tensor;
    }

    /// <summary>A 1-D bool constant.</summary>
    public string Bools(string name, bool[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Bool };
        tensor.Dims.Add(values.Length);
        tensor.RawData = ByteString.CopyFrom(values.Select(v => v ? (byte)1 : (byte)0).ToArray());
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 0-D int64 constant.</summary>
    public string Int64(long value) => Constant([value], DataType.Int64, [], t => t.Int64Data.Add(value));

    /// <summary>A 0-D float constant stored as <paramref name="type"/>.</summary>
    public string Scalar(float value, DataType type) => type == DataType.Float16
        ? Constant([BitConverter.HalfToInt16Bits((Half)value)], type, [], t => t.RawData = ByteString.CopyFrom(BitConverter.GetBytes((Half)value)))
        : Constant([BitConverter.SingleToInt32Bits(value)], type, [], t => t.FloatData.Add(value));

    private string Constant(long[] key, DataType type, long[] dims, Action<TensorProto> fill)
    {
        string id = $"{(int)type}:{dims.Length}:{string.Join(",", key)}";
        if (_constants.TryGetValue(id, out var existing)) return existing;
        var tensor = new TensorProto { Name = $"const_{_constants.Count}", DataType = (int)type };
        tensor.Dims.AddRange(dims);
        fill(tensor);
        _graph.Initializer.Add(tensor);
        _constants[id] = tensor.Name;
        return tensor.Name;
    }

    /// <summary>Declares a graph input; each dimension is a size (long) or a symbolic name (string).</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares a graph output produced by a node of the same name.</summary>
    public void Output(string name, DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>The graph as a model of the default ONNX domain at <see cref="Opset"/>.</summary>
    public ModelProto ToModel(string description)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ArML",
            ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = description,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        // Custom-operator libraries (ONNX Runtime Extensions) version their domains from 1.
        foreach (string domain in _domains) model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        return model;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"Dimension {dim} of '{name}' is neither a size nor a name."),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)f },
        long[] ints => Ints(name, ints),
        TensorProto tensor => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor },
        byte[] text => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(text) },
        _ => throw new ArgumentException($"Attribute '{name}' has an unsupported type {value.GetType().Name}."),
    };

    private static AttributeProto Ints(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
