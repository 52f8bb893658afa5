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
    async copy(text) {
        await navigator.clipboard.writeText(text);
    },
    // The organization switcher's choice, per browser.
    setCurrentOrg(slug) {
        localStorage.setItem("ap-org", slug);
    },
    currentOrg() {
        return localStorage.getItem("ap-org");
    },
    // The session watcher's way out: not while the person is signing out (that redirect is already on its way).
    signingOut: false,
    leave(url) {
        if (!this.signingOut) location.assign(url);
    },
    // A GET of the same address (never a form's resubmission), for the page without a circuit when permissions change.
    reload() {
        if (!this.signingOut) location.replace(location.href);
    },
    // A page rendered without a circuit: its session-watcher island is live. An enhanced navigation to the same
    // kind of page keeps the island but brings the server's data-interactive="false" back, so it is marked again.
    islandLive: false,
    markInteractive() {
        this.islandLive = true;
        document.querySelector(".mud-layout")?.setAttribute("data-interactive", "true");
    },
};

// The app bar without a circuit (the dashboard) and its menus everywhere: they are markup, driven from here.
(() => {
    const phone = () => window.matchMedia("(max-width: 959.98px)").matches;
    // MainLayout marks its drawer button this way only on a page without a circuit.
    const staticDrawerButton = () => document.querySelector("[data-drawer-toggle=script]");

    // MudDrawer's classes for open and closed, as its component sets them in a circuit.
    function toggleDrawer(button) {
        const layout = button.closest(".mud-layout");
        const drawer = layout?.querySelector(".mud-drawer");
        if (!drawer) return;
        const shown = drawer.classList.contains("mud-drawer--open") && !(phone() && drawer.classList.contains("mud-drawer--initial"));
        const open = !shown;
        drawer.classList.remove("mud-drawer--initial");
        drawer.classList.toggle("mud-drawer--open", open);
        drawer.classList.toggle("mud-drawer--closed", !open);
        layout.classList.toggle("mud-drawer-open-responsive-md-left", open);
        layout.classList.toggle("mud-drawer-close-responsive-md-left", !open);
        const overlay = layout.querySelector(".mud-drawer-overlay");
        if (overlay) {
            overlay.classList.remove("mud-drawer--initial");
            overlay.classList.toggle("mud-drawer-overlay--open", open);
            overlay.classList.toggle("mud-drawer-overlay--closed", !open);
        }
    }

    // Focus inside a menu that closes goes back to its button, so a keyboard user keeps their place.
    function closeMenus(except) {
        document.querySelectorAll("details.ap-menu[open]").forEach(menu => {
            if (menu === except) return;
            const hadFocus = menu.contains(document.activeElement);
            menu.removeAttribute("open");
            if (hadFocus) menu.querySelector("summary")?.focus();
        });
    }

    // Without a circuit the current organization is the browser's to show.
    function markCurrentOrg() {
        if (!staticDrawerButton()) return;
        const slug = window.authPortal.currentOrg();
        document.querySelectorAll("[data-testid=org-switcher]").forEach(switcher => {
            const item = slug ? switcher.querySelector(`[data-org-slug="${CSS.escape(slug)}"]`) : null;
            switcher.querySelectorAll("[data-org-slug]").forEach(i => i.classList.toggle("ap-current", i === item));
            const label = switcher.querySelector("[data-org-current]");
            if (label && item) label.textContent = item.dataset.orgName;
        });
    }

    document.addEventListener("click", event => {
        const target = event.target instanceof Element ? event.target : null;
        if (!target) return;
        const signOut = target.closest("[data-sign-out]");
        if (signOut) {
            window.authPortal.signingOut = true;
            window.authPortal.submitForm("sign-out-form");
            return;
        }
        const org = target.closest("[data-org-slug]");
        if (org) window.authPortal.setCurrentOrg(org.dataset.orgSlug);
        if (target.closest(".ap-menu-list a")) closeMenus(null);
        else closeMenus(target.closest("details.ap-menu"));
        const drawer = target.closest("[data-drawer-toggle=script]");
        if (drawer) toggleDrawer(drawer);
        if (target.closest(".mud-drawer-overlay") && staticDrawerButton()) toggleDrawer(staticDrawerButton());
        if (target.closest("[data-theme-toggle=script]")) {
            // The palette is written on the server (MudThemeProvider): a page without a circuit reloads to show the other one.
            window.authPortal.setTheme(document.body.classList.contains("ap-dark") ? "light" : "dark");
            window.authPortal.reload();
        }
    });
    document.addEventListener("keydown", event => {
        if (event.key === "Escape") closeMenus(null);
    });
    // The dashboard said why the person landed there; the flag leaves the address so a reload does not say it again.
    // Its name is AccessDeniedNotice.PermissionsChangedQuery on the server.
    function forgetNotice() {
        const url = new URL(location.href);
        if (url.searchParams.has("permissionsChanged")) {
            url.searchParams.delete("permissionsChanged");
            history.replaceState(history.state, "", url);
        }
    }

    function afterStaticRender() {
        if (staticDrawerButton() && window.authPortal.islandLive) window.authPortal.markInteractive();
        markCurrentOrg();
        forgetNotice();
    }

    // This script runs at the end of <body>, after the app bar (a streamed page's figures may still be on their way).
    afterStaticRender();
    window.Blazor?.addEventListener?.("enhancedload", afterStaticRender);
})();

// Live password strength on the static account forms (register, reset, setup). The server runs the
// same zxcvbn policy and has the final word; this only shows the person how they are doing as they type.
(() => {
    const labels = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
    let loading;

    function loadZxcvbn() {
        if (window.zxcvbn) return Promise.resolve();
        loading ??= new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = "/lib/zxcvbn/zxcvbn.js";
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
        });
        return loading;
    }

    function wire(meter) {
        if (meter.dataset.wired) return;
        meter.dataset.wired = "1";
        const input = document.getElementById(meter.dataset.strengthFor);
        const bar = meter.querySelector(".ap-meter-bar");
        const text = meter.querySelector(".ap-meter-text");
        if (!input) return;
        const personal = () => (meter.dataset.personalFields || "").split(",")
            .map(id => document.getElementById(id)?.value || "").filter(Boolean)
            .flatMap(v => [v, ...v.split(/[@.\s_+-]/)]).filter(v => v.length >= 3);
        input.addEventListener("input", async () => {
            await loadZxcvbn();
            const value = input.value;
            if (!value) {
                meter.dataset.score = "";
                bar.style.width = "0";
                text.textContent = meter.dataset.hint || "";
                return;
            }
            const result = window.zxcvbn(value.slice(0, 256), personal());
            const tooShort = value.length < Number(meter.dataset.minLength || 0);
            const score = tooShort ? Math.min(result.score, 1) : result.score;
            meter.dataset.score = String(score);
            bar.style.width = `${(score + 1) * 20}%`;
            const advice = tooShort ? `Use at least ${meter.dataset.minLength} characters.` : (result.feedback.warning || "");
            text.textContent = advice ? `${labels[score]} · ${advice}` : labels[score];
        });
    }

    function wireAll() {
        document.querySelectorAll("[data-strength-for]").forEach(wire);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", wireAll);
    } else {
        wireAll();
    }
    window.Blazor?.addEventListener?.("enhancedload", wireAll);
})();
