// <passkey-submit>: runs a WebAuthn ceremony when its button submits the form, then posts the
// credential JSON (or the error) with the form. The options come from /Account/Passkey*Options, which
// check the antiforgery token sent in a header.
(() => {
    const supported = typeof navigator.credentials !== "undefined"
        && typeof window.PublicKeyCredential !== "undefined"
        && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
        && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

    async function fetchOptions(url, headers, signal) {
        const response = await fetch(url, { method: "POST", credentials: "same-origin", headers, signal });
        if (!response.ok) throw new Error(`The server answered ${response.status}.`);
        return await response.json();
    }

    if (customElements.get("passkey-submit")) return;
    customElements.define("passkey-submit", class extends HTMLElement {
        static formAssociated = true;

        connectedCallback() {
            this.internals = this.attachInternals();
            this.internals.form?.addEventListener("submit", event => {
                if (event.submitter?.name === "__passkeySubmit") {
                    event.preventDefault();
                    this.run();
                }
            });
        }

        async run() {
            const name = this.getAttribute("name");
            const headers = { [this.getAttribute("request-token-name")]: this.getAttribute("request-token-value") };
            const data = new FormData();
            try {
                if (!supported) throw new Error("This browser cannot use passkeys. Update it or use another one.");
                this.abort?.abort();
                this.abort = new AbortController();
                const signal = this.abort.signal;
                let credential;
                if (this.getAttribute("operation") === "Create") {
                    const options = PublicKeyCredential.parseCreationOptionsFromJSON(await fetchOptions("/Account/PasskeyCreationOptions", headers, signal));
                    credential = await navigator.credentials.create({ publicKey: options, signal });
                } else {
                    const options = PublicKeyCredential.parseRequestOptionsFromJSON(await fetchOptions("/Account/PasskeyRequestOptions", headers, signal));
                    credential = await navigator.credentials.get({ publicKey: options, signal });
                }
                data.append(`${name}.CredentialJson`, JSON.stringify(credential));
            } catch (error) {
                if (error.name === "AbortError") return;
                data.append(`${name}.Error`, error.name === "NotAllowedError" ? "No passkey was provided." : error.message);
            }
            this.internals.setFormValue(data);
            this.internals.form.requestSubmit();
        }
    });
})();
