/**
 * SIMULATOR CONFIG — dog-tax rates per municipality the ZSA clerk simulator uses. Demo values
 * in the usual range of Saxony-Anhalt's Satzungen, not the municipalities' actual rates.
 * Only municipalities that delegate Hundehaltung to the ZSA need an entry; a missing one
 * falls back to DEFAULT_RATES.
 */
import type { DogTaxRates } from './dog-tax.js';

const REDUCTIONS = { 'Rettungshund (geprüft)': 50, 'Sozialermäßigung (Bürgergeld)': 50 } as const;

export const DEFAULT_RATES: DogTaxRates = { firstDog: 90, furtherDog: 150, dangerousDog: 600, reductions: REDUCTIONS };

export const DOG_TAX_RATES: Readonly<Record<string, DogTaxRates>> = {
  '15003000': { firstDog: 96, furtherDog: 156, dangerousDog: 612, reductions: REDUCTIONS }, // Magdeburg (demo values)
  '15083490': { firstDog: 60, furtherDog: 96, dangerousDog: 480, reductions: REDUCTIONS }, // Sülzetal (demo values)
  '15001000': { firstDog: 84, furtherDog: 132, dangerousDog: 540, reductions: REDUCTIONS }, // Dessau-Roßlau (demo values)
};

export const ratesFor = (ags: string): DogTaxRates => DOG_TAX_RATES[ags] ?? DEFAULT_RATES;
