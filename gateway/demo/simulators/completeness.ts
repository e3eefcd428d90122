/**
 * The ZSA clerk simulator's Vollständigkeitsprüfung for a Wohngeld first application —
 * simple and visible. SIMULATOR ONLY. Evidence required (Wohngeld-Nachweisart codes):
 *   01 Mietvertrag — always;
 *   03 Einkommensnachweis — when a household member has income from work (Einkommensart 01, 02);
 *   04 Rentenbescheid — when someone draws a pension (Einkommensart 03);
 *   06 Heizkostennachweis — always (heating costs are claimed in every demo application).
 * Whatever is required and not among the evidence handed in so far is missing.
 */
export const EVIDENCE_NAMES: Readonly<Record<string, string>> = {
  '01': 'Mietvertrag oder Mietbescheinigung',
  '03': 'Einkommensnachweise der letzten drei Monate',
  '04': 'aktueller Rentenbescheid',
  '06': 'Nachweis über die Heizkosten des letzten Abrechnungsjahres',
};

export function requiredEvidence(incomeCodes: readonly string[]): string[] {
  const required = ['01'];
  if (incomeCodes.some((c) => c === '01' || c === '02')) required.push('03');
  if (incomeCodes.includes('03')) required.push('04');
  required.push('06');
  return required;
}

export function missingEvidence(incomeCodes: readonly string[], handedIn: readonly string[]): string[] {
  return requiredEvidence(incomeCodes).filter((c) => !handedIn.includes(c));
}
