/**
 * Recommendation by Qdrant's `average_vector` strategy: query = avg(positive) +
 * (avg(positive) − avg(negative)); with no negative examples, avg(positive). The examples are
 * vectors already prepared by the collection's metric; the caller prepares the result again.
 * Shared by a single collection (Collection.recommend) and the cluster (ClusterNode.recommend).
 */
export function averageQuery(positive: readonly Float32Array[], negative: readonly Float32Array[]): Float32Array {
  const dim = positive[0].length;
  const avg = (vectors: readonly Float32Array[]): Float32Array => {
    const out = new Float32Array(dim);
    for (const v of vectors) for (let i = 0; i < dim; i++) out[i] += v[i] / vectors.length;
    return out;
  };
  const pos = avg(positive);
  if (negative.length === 0) return pos;
  const neg = avg(negative);
  return pos.map((p, i) => p + (p - neg[i]));
}
