export interface Item {
  id: string;
  title: string;
  qty: number;
}

const KEY = "shopping-list.items";

export function loadItems(): Item[] {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Item[]) : [];
  } catch {
    return [];
  }
}

export function saveItems(items: Item[]): void {
  localStorage.setItem(KEY, JSON.stringify(items));
}
