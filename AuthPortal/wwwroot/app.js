// Small helpers the Blazor components call. Kept in a file (no inline script) for the CSP.
window.authPortal = {
    setTheme(mode) {
        document.cookie = `ap-theme=${mode === "dark" ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax`;
        document.body.classList.toggle("ap-dark", mode === "dark");
        document.body.classList.toggle("ap-light", mode !== "dark");
    },
    submitForm(id) {
        document.getElementById(id)?.submit();
    },
};
