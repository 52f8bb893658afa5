using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// Usage: dotnet run -c Release --project bench/AuthPortal.Bench [-- --filter *]
// The report (with the baseline measured in the same run) lands in BenchmarkDotNet.Artifacts/results.
// "-- suite [--quick] [--out dir] [--app AuthPortal.dll]": the whole benchmark (bench/run.sh), AuthPortal.Bench.Suite.BenchSuite.
if (args is ["suite", ..])
{
    return await AuthPortal.Bench.Suite.BenchSuite.RunAsync(args[1..]);
}
// "-- timing": whether answers take longer for addresses that have accounts (AuthPortal.Bench.EnumerationTiming).
if (args is ["timing"])
{
    return await AuthPortal.Bench.EnumerationTiming.RunAsync();
}
// "-- keys": what a request authenticated by an API key costs next to one with a JWT (AuthPortal.Bench.ApiKeyCost).
if (args is ["keys"])
{
    return await AuthPortal.Bench.ApiKeyCost.RunAsync();
}
// "-- users": the admin user list at 100,000 people against the same at 10,000 (AuthPortal.Bench.UserListScale).
if (args is ["users"])
{
    return await AuthPortal.Bench.UserListScale.RunAsync();
}
// "-- dashboard": the dashboard's figures at 100,000 people and 1,000,000 audit events (AuthPortal.Bench.DashboardScale).
if (args is ["dashboard"])
{
    return await AuthPortal.Bench.DashboardScale.RunAsync();
}
var config = DefaultConfig.Instance.AddJob(Job.ShortRun);
BenchmarkSwitcher.FromAssembly(typeof(AuthPortal.Bench.SessionValidationBenchmark).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
return 0;
