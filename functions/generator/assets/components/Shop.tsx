import { useEffect, useState } from "react";
import { config } from "../config";
import { formatMoney } from "../lib/format";
import { loadJson, saveJson } from "../lib/storage";
import type { ShopConfig } from "../lib/types";

type Lines = Record<string, number>;

// Stored quantities are untrusted: keep only known products with positive whole numbers.
function loadLines(spec: ShopConfig): Lines {
  const raw = loadJson(`${config.storageKey}:cart`, config.persist);
  const lines: Lines = {};
  if (typeof raw !== "object" || raw === null) return lines;
  for (const p of spec.products) {
    const q = (raw as Record<string, unknown>)[p.name];
    if (typeof q === "number" && Number.isInteger(q) && q > 0) lines[p.name] = q;
  }
  return lines;
}

export function Shop({ spec }: { spec: ShopConfig }) {
  const [lines, setLines] = useState<Lines>(() => loadLines(spec));
  useEffect(() => saveJson(`${config.storageKey}:cart`, lines, config.persist), [lines]);
  const cart = spec.cart;
  const Cart = cart.charAt(0).toUpperCase() + cart.slice(1);

  function change(name: string, by: number) {
    setLines((prev) => {
      const q = (prev[name] ?? 0) + by;
      const next = { ...prev };
      if (q <= 0) delete next[name];
      else next[name] = q;
      return next;
    });
  }

  const inCart = spec.products.filter((p) => (lines[p.name] ?? 0) > 0);
  const count = inCart.reduce((n, p) => n + (lines[p.name] ?? 0), 0);
  const subtotal = inCart.reduce((s, p) => s + p.price * (lines[p.name] ?? 0), 0);
  const fees = spec.fees.map((f) => ({ ...f, amount: (subtotal * f.percent) / 100 }));
  const total = subtotal + fees.reduce((s, f) => s + f.amount, 0);

  return (
    <div className="shop">
      <section className="card" aria-label="Products">
        <h2>Products</h2>
        <ul className="products">
          {spec.products.map((p) => (
            <li key={p.name} className="product">
              <span className="product-name">{p.name}</span>
              <span className="product-price">{formatMoney(p.price)}</span>
              <button type="button" className="btn primary small" onClick={() => change(p.name, 1)} aria-label={`Add ${p.name} to ${cart}`}>
                Add to {cart}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-label={`Your ${cart}`}>
        <h2>Your {cart} ({count} {count === 1 ? "item" : "items"})</h2>
        {inCart.length === 0 ? (
          <p className="empty muted">Your {cart} is empty — add something above.</p>
        ) : (
          <ul className="cart-lines">
            {inCart.map((p) => (
              <li key={p.name} className="cart-line">
                <span className="product-name">{p.name}</span>
                <span className="qty">
                  <button type="button" className="btn ghost small" onClick={() => change(p.name, -1)} aria-label={`One less ${p.name}`}>−</button>
                  <span aria-label={`Quantity of ${p.name}`}>{lines[p.name]}</span>
                  <button type="button" className="btn ghost small" onClick={() => change(p.name, 1)} aria-label={`One more ${p.name}`}>+</button>
                </span>
                <span>{formatMoney(p.price * (lines[p.name] ?? 0))}</span>
                <button type="button" className="btn danger small" onClick={() => change(p.name, -(lines[p.name] ?? 0))} aria-label={`Remove ${p.name}`}>Remove</button>
              </li>
            ))}
          </ul>
        )}
        <div className="cart-totals">
          <p><span>Subtotal</span> <span>{formatMoney(subtotal)}</span></p>
          {fees.map((f) => (
            <p key={f.label} className="fee">
              <span>{f.label} ({f.percent}%)</span> <span>{formatMoney(f.amount)}</span>
            </p>
          ))}
          <p className="grand">
            <strong>{Cart} total</strong> <strong>{formatMoney(total)}</strong>
          </p>
        </div>
        {inCart.length > 0 ? (
          <button type="button" className="btn ghost" onClick={() => setLines({})}>Empty the {cart}</button>
        ) : null}
      </section>
    </div>
  );
}
