using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// A trace span per EF Core command, on every provider (ActivitySource <c>AuthPortal.Database</c>). The statement text
/// is kept (parameters are not: they hold emails and hashes). Costs nothing while no tracer listens.
/// </summary>
public sealed class DatabaseTracing : DbCommandInterceptor
{
    public const string SourceName = "AuthPortal.Database";

    private static readonly ActivitySource Source = new(SourceName);
    private readonly ConcurrentDictionary<Guid, Activity> _running = new();

    private void Start(DbCommand command, CommandEventData data)
    {
        if (!Source.HasListeners())
        {
            return;
        }
        var activity = Source.StartActivity("db " + data.ExecuteMethod, ActivityKind.Client);
        if (activity is null)
        {
            return;
        }
        activity.SetTag("db.system", command.Connection?.GetType().Name.Contains("Npgsql", StringComparison.Ordinal) == true ? "postgresql" : "sqlite");
        activity.SetTag("db.statement", command.CommandText);
        _running[data.CommandId] = activity;
    }

    private void Stop(CommandEventData data, Exception? failure = null)
    {
        if (_running.TryRemove(data.CommandId, out var activity))
        {
            if (failure is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
            }
            activity.Dispose();
        }
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Start(command, eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Start(command, eventData);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Start(command, eventData);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Start(command, eventData);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Stop(eventData);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        Stop(eventData);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Stop(eventData);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
        CancellationToken cancellationToken = default)
    {
        Stop(eventData);
        return ValueTask.FromResult(result);
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Stop(eventData, eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Stop(eventData, eventData.Exception);
        return Task.CompletedTask;
    }

    public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Stop(eventData);

    public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Stop(eventData);
        return Task.CompletedTask;
    }
}
