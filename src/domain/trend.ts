export interface TrendPoint {
  version: string
  metrics: Record<string, number>
}
