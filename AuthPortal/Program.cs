using AuthPortal.Infrastructure.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAuthPortal();

var app = builder.Build();
app.UseAuthPortal();

// "dotnet AuthPortal.dll migrate" applies migrations and exits without serving.
return await app.RunAuthPortalAsync(args);

public partial class Program;
