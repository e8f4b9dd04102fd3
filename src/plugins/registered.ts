/**
 * The plug-ins a registry holds beside its bundled entries: a user's system,
 * workload or checker, each registered under its name by the module it came
 * from. Loading the same module again replaces its entry; a name that is
 * bundled or another module's is refused.
 */
export class Registered<T extends { readonly name: string }> {
  private readonly entries = new Map<string, { value: T; owner: string }>();

  constructor(
    private readonly what: string,
    private readonly bundled: () => readonly T[],
  ) {}

  add(value: T, owner: string): void {
    if (this.bundled().some((b) => b.name === value.name))
      throw new Error(`${this.what} name '${value.name}' is taken by a bundled ${this.what}; rename yours`);
    const had = this.entries.get(value.name);
    if (had && had.owner !== owner)
      throw new Error(`${this.what} '${value.name}' is already registered by ${had.owner}`);
    this.entries.set(value.name, { value, owner });
  }

  find(name: string): T | undefined {
    return this.entries.get(name)?.value;
  }

  list(): T[] {
    return [...this.entries.values()].map((e) => e.value);
  }
}
