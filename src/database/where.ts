/**
 * The one builder of dynamic WHERE clauses for raw SQL: each condition receives the placeholder
 * of its value ($1, $2, …); values are always parameters, never text in the SQL.
 */
export class SqlWhere {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  /** Adds `condition(placeholder)` with `value`, unless the value is undefined (no filter). */
  add(value: unknown, condition: (placeholder: string) => string): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.clauses.push(condition(`$${this.params.length}`));
    return this;
  }

  /** The next free placeholder, for a LIMIT or a key after the filters. */
  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get sql(): string {
    return this.clauses.length ? this.clauses.join(' AND ') : 'true';
  }
}
