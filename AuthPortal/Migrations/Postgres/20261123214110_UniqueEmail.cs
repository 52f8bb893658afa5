using AuthPortal.Infrastructure.Database;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthPortal.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UniqueEmail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "EmailIndex",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail",
                unique: true);

            // The search index folds case under ICU's root collation, whatever the database's locale.
            migrationBuilder.Sql(UserSearchIndex.PostgresDropSql);
            migrationBuilder.Sql(UserSearchIndex.PostgresCreateSql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "EmailIndex",
                table: "AspNetUsers");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail");

            migrationBuilder.Sql(UserSearchIndex.PostgresDropSql);
            migrationBuilder.Sql("""CREATE INDEX "IX_AspNetUsers_Search" ON "AspNetUsers" USING gin ((upper(coalesce("Email", '') || ' ' || coalesce("UserName", '') || ' ' || "DisplayName")) gin_trgm_ops);""");
        }
    }
}
