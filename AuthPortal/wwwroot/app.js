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
};

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
