/**
 * The plug-ins a registry holds beside its bundled entries: a user's system,
 * workload or checker, each under its name. Registering a name again (the
 * same module loaded again, or an edited definition) replaces it; a bundled
 * name is refused.
 */
export class Registered<T extends { readonly name: string }> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly what: string,
    private readonly bundled: () => readonly T[],
  ) {}

  add(value: T): void {
    if (this.bundled().some((b) => b.name === value.name))
      throw new Error(`${this.what} name '${value.name}' is taken by a bundled ${this.what}; rename yours`);
    this.entries.set(value.name, value);
  }

  find(name: string): T | undefined {
    return this.entries.get(name);
  }

  list(): T[] {
    return [...this.entries.values()];
  }
}
