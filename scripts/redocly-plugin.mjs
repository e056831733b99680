// Rules of Spectral's `spectral:oas` ruleset that Redocly's recommended set lacks, so that one spec linter
// (`npm run lint:spec`, configured in redocly.yaml) checks everything the two used to check together.

/** Spectral's array-items: a schema of type array says what its items are. */
function arrayItems() {
  return {
    Schema(schema, { report, location }) {
      if (schema.type === 'array' && schema.items === undefined) {
        report({ message: 'A schema of type array needs `items`.', location: location.child('type') });
      }
    },
  };
}

export default function spectralParity() {
  return { id: 'spectral-parity', rules: { oas3: { 'array-items': arrayItems } } };
}
