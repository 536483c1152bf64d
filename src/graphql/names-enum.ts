/** A string-valued GraphQL enum (for type-graphql's registerEnumType) from a list of names. */
export function namesEnum<T extends string>(names: readonly T[]): Record<T, T> {
  return Object.fromEntries(names.map((name) => [name, name])) as Record<T, T>;
}
