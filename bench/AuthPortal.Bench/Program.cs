using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// Usage: dotnet run -c Release --project bench/AuthPortal.Bench [-- --filter *]
// The report (with the baseline measured in the same run) lands in BenchmarkDotNet.Artifacts/results.
// "-- timing": whether answers take longer for addresses that have accounts (AuthPortal.Bench.EnumerationTiming).
if (args is ["timing"])
{
    return await AuthPortal.Bench.EnumerationTiming.RunAsync();
}
var config = DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(AuthPortal.Bench.SessionValidationBenchmark).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
return 0;
