// Limits on the shape of a GraphQL operation, checked before it runs: how deep its selections nest,
// how many aliases it uses, and how many fields it selects once fragments are expanded. A document
// built to be expensive (deep nesting, thousands of aliases, fragments that fan out) is refused
// with a message naming the limit, whatever transport it came by. Cyclic fragments are refused by
// graphql's own NoFragmentCyclesRule; the walk here also never follows a fragment into itself.

import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** Field selections after fragment expansion: the work an operation can ask for. */
  maxFields: number;
}

interface Tally {
  depth: number;
  aliases: number;
  fields: number;
}

export function queryLimitRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const tally: Tally = { depth: 0, aliases: 0, fields: 0 };
      const within = () => tally.depth <= limits.maxDepth && tally.aliases <= limits.maxAliases && tally.fields <= limits.maxFields;

      const walk = (set: SelectionSetNode, depth: number, entered: ReadonlySet<string>): void => {
        for (const selection of set.selections) {
          if (!within()) return; // over a limit already: stop before a fan-out costs more
          if (selection.kind === Kind.FIELD) {
            tally.fields += 1;
            if (selection.alias) tally.aliases += 1;
            tally.depth = Math.max(tally.depth, depth);
            if (selection.selectionSet) walk(selection.selectionSet, depth + 1, entered);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            walk(selection.selectionSet, depth, entered);
          } else {
            const name = selection.name.value;
            const fragment = fragments.get(name);
            if (fragment && !entered.has(name)) walk(fragment.selectionSet, depth, new Set(entered).add(name));
          }
        }
      };
      walk(operation.selectionSet, 1, new Set());

      const name = operation.name ? `operation ${operation.name.value}` : 'the operation';
      const refuse = (what: string) => context.reportError(new GraphQLError(`${name} ${what}`, { nodes: [operation], extensions: { code: 'QUERY_TOO_COMPLEX' } }));
      if (tally.depth > limits.maxDepth) refuse(`nests fields deeper than the limit of ${limits.maxDepth}`);
      if (tally.aliases > limits.maxAliases) refuse(`uses more than ${limits.maxAliases} aliases`);
      if (tally.fields > limits.maxFields) refuse(`selects more than ${limits.maxFields} fields once fragments are expanded`);
    },
  });
}
