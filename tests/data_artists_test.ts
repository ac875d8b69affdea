import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  CP437_TABLE_SIZE,
  matchArtist,
  repairMojibake,
  resolveArtists,
} from "../src/data/artists.ts";
import { parseArtistsCsv } from "../src/data/sources.ts";
import { UsageError } from "../src/util/errors.ts";

// deno-lint-ignore no-explicit-any
function assertThrows(fn: () => unknown, cls?: any): Error {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw e;
    return e as Error;
  }
  throw new Error("expected a throw");
}

const KAGGLE = [
  "Amedeo Modigliani",
  "Vasiliy Kandinskiy",
  "Diego Rivera",
  "Claude Monet",
  "Rene Magritte",
  "Salvador Dali",
  "Edouard Manet",
  "Andrei Rublev",
  "Vincent van Gogh",
  "Gustav Klimt",
  "Hieronymus Bosch",
  "Kazimir Malevich",
  "Mikhail Vrubel",
  "Pablo Picasso",
  "Peter Paul Rubens",
  "Pierre-Auguste Renoir",
  "Francisco Goya",
  "Frida Kahlo",
  "El Greco",
  "Albrecht Dürer",
  "Alfred Sisley",
  "Pieter Bruegel",
  "Marc Chagall",
  "Giotto di Bondone",
  "Sandro Botticelli",
  "Caravaggio",
  "Leonardo da Vinci",
  "Diego Velazquez",
  "Henri Matisse",
  "Jan van Eyck",
  "Edgar Degas",
  "Rembrandt",
  "Titian",
  "Henri de Toulouse-Lautrec",
  "Gustave Courbet",
  "Camille Pissarro",
  "William Turner",
  "Edvard Munch",
  "Paul Cezanne",
  "Eugene Delacroix",
  "Henri Rousseau",
  "Georges Seurat",
  "Paul Klee",
  "Piet Mondrian",
  "Joan Miro",
  "Andy Warhol",
  "Paul Gauguin",
  "Raphael",
  "Michelangelo",
  "Jackson Pollock",
];

Deno.test("repairMojibake() fixes the Kaggle Dürer folder names", () => {
  assertEquals(CP437_TABLE_SIZE, 128);
  assertEquals(repairMojibake("Albrecht_Du╠êrer"), "Albrecht_Dürer");
  assertEquals(repairMojibake("Albrecht_DuΓòá├¬rer"), "Albrecht_Dürer");
  assertEquals(repairMojibake("DÃ¼rer"), "Dürer");
  assertEquals(repairMojibake("Claude_Monet"), "Claude_Monet");
  assertEquals(repairMojibake("Dürer"), "Dürer");
});

Deno.test("resolveArtists() maps names as people write them", () => {
  const m = resolveArtists(
    [
      "Van Gogh",
      "Da Vinci",
      "El Greco",
      "Dürer",
      "Durer",
      "Van Eyck",
      "Rousseau",
      "Toulouse-Lautrec",
      "velázquez",
      "Miró",
    ],
    KAGGLE,
  );
  assertEquals([...m.values()], [
    "Vincent van Gogh",
    "Leonardo da Vinci",
    "El Greco",
    "Albrecht Dürer",
    "Albrecht Dürer",
    "Jan van Eyck",
    "Henri Rousseau",
    "Henri de Toulouse-Lautrec",
    "Diego Velazquez",
    "Joan Miro",
  ]);
  assertEquals(matchArtist("Albrecht_Du╠êrer", KAGGLE), ["Albrecht Dürer"]);
});

Deno.test("resolveArtists() resolves the whole seed list against the Kaggle artists", async () => {
  const seed = JSON.parse(
    await Deno.readTextFile(new URL("../data/seed_artists.json", import.meta.url)),
  );
  const m = resolveArtists(seed.artists, KAGGLE);
  assertEquals(m.size, 36);
  assertEquals(m.get("Turner"), "William Turner");
});

Deno.test("resolveArtists() refuses unknown and ambiguous names with near matches", () => {
  const e = assertThrows(() => resolveArtists(["Van Gog"], KAGGLE, { where: "/x" }), UsageError);
  if (!e.message.includes("Vincent van Gogh") || !e.message.includes("/x")) {
    throw new Error(e.message);
  }
  const a = assertThrows(() => resolveArtists(["Henri"], KAGGLE), UsageError);
  if (!a.message.includes("ambiguous")) throw new Error(a.message);
  assertEquals(resolveArtists(["Nobody"], KAGGLE, { lenient: true }).size, 0);
});

Deno.test("parseArtistsCsv() handles quoted commas and newlines in bios", () => {
  const csv = "id,name,years,genre,nationality,bio,wikipedia,paintings\n" +
    '0,Amedeo Modigliani,1884 - 1920,Expressionism,Italian,"Born in Livorno, Italy.\nHe moved, later, to Paris.",http://x,193\n' +
    '1,"Albrecht Dürer",1471 - 1528,"Northern Renaissance,Renaissance",German,"A ""painter"", printmaker",http://y,328\n';
  assertEquals(parseArtistsCsv(csv), ["Amedeo Modigliani", "Albrecht Dürer"]);
});
