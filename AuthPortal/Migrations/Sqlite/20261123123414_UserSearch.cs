using AuthPortal.Infrastructure.Database;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AuthPortal.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UserSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Substring search over people without scanning them: SQLite's FTS5 with the trigram tokenizer indexes every
            // three-character slice of email, user name and display name, kept in step with AspNetUsers by triggers.
            // (Infrastructure/Database/UserSearchIndex.cs queries it.)
            migrationBuilder.Sql(UserSearchIndex.CreateSql);
            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_DisabledAt",
                table: "AspNetUsers",
                column: "DisabledAt");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_LockoutEnd",
                table: "AspNetUsers",
                column: "LockoutEnd");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(UserSearchIndex.DropSql);
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_DisabledAt",
                table: "AspNetUsers");

            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_LockoutEnd",
                table: "AspNetUsers");
        }
    }
}
