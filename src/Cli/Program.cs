using ArML.Cli;

// Ctrl-C asks the running command to stop cleanly (training writes a checkpoint first); a second Ctrl-C ends the process.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("arml: interrupted; stopping after the current step (Ctrl-C again to abort at once).");
    interrupt.Cancel();
};
return Cli.Run(args, Console.Out, Console.Error, interrupt.Token);
