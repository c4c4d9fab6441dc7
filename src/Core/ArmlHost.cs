using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ArML;

/// <summary>
/// ArML's link to an <see cref="MLContext"/>: a named host for seeded randomness and a channel whose messages
/// appear on <see cref="MLContext.Log"/>.
/// </summary>
internal sealed class ArmlHost : IDisposable
{
    private readonly IChannel _channel;

    private ArmlHost(IHost host, IChannel channel)
    {
        Host = host;
        _channel = channel;
    }

    /// <summary>ML.NET's host for this component; its random source derives from the context's seed.</summary>
    public IHost Host { get; }

    /// <summary>Registers a component named <paramref name="name"/> with <paramref name="context"/>.</summary>
    public static ArmlHost Create(MLContext context, string name)
    {
        ArgumentNullException.ThrowIfNull(context);
        IHostEnvironment environment = context;
        var host = environment.Register(name);
        return new ArmlHost(host, host.Start(name));
    }

    /// <summary>A seed drawn from the context's seeded random source (deterministic for a seeded context).</summary>
    public int NextSeed() => Host.Rand.Next();

    /// <summary>Writes an informational message to <see cref="MLContext.Log"/>.</summary>
    public void Info(string message) => _channel.Info(MessageSensitivity.None, message);

    /// <summary>Writes a warning to <see cref="MLContext.Log"/>.</summary>
    public void Warning(string message) => _channel.Warning(MessageSensitivity.None, message);

    /// <inheritdoc/>
    public void Dispose() => _channel.Dispose();
}
