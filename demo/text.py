"""Indonesian titles and descriptions for demo reports, per category. {v} is the village, {d} the district."""

TITLES: dict[str, tuple[str, ...]] = {
    "jalan": ("Jalan berlubang di {v}", "Jembatan kayu rusak di {v}", "Jalan longsor menutup akses {v}",
              "Aspal mengelupas di jalan utama {v}"),
    "air_bersih": ("Air PDAM tidak mengalir di {v}", "Air keruh di {v}", "Pipa air bocor di {v}",
                   "Tandon air kampung {v} kosong"),
    "drainase": ("Got tersumbat di {v}", "Genangan air setelah hujan di {v}", "Saluran air meluap di {v}"),
    "kesehatan": ("Puskesmas {d} kehabisan obat", "Tidak ada petugas di pustu {v}", "Antrean layanan BPJS lama",
                  "Posyandu {v} tidak berjalan"),
    "gawat_darurat": ("Butuh ambulans di {v}", "Warga {v} butuh rujukan segera", "Ibu melahirkan butuh bantuan di {v}"),
    "pendidikan": ("Guru tidak hadir di SD {v}", "Atap sekolah bocor di {v}", "Buku pelajaran belum dibagikan di {v}",
                   "Sekolah {v} kekurangan guru"),
    "sampah": ("Sampah menumpuk di {v}", "Truk sampah tidak datang ke {v}", "Pembuangan sampah liar di {v}"),
    "adminduk": ("KTP-el belum jadi", "Akta kelahiran anak belum terbit", "Perubahan KK belum diproses",
                 "Blanko KTP-el habis di {d}"),
    "ketertiban": ("Keributan malam hari di {v}", "Pedagang menutup trotoar di {v}",
                   "Minuman keras dijual bebas di {v}"),
    "banjir": ("Banjir merendam rumah warga di {v}", "Air sungai naik di {v}", "Warga {v} mengungsi karena banjir"),
    "kebakaran": ("Kebakaran rumah di {v}", "Kebakaran lahan dekat {v}"),
    "penerangan": ("Lampu jalan mati di {v}", "Tiang lampu roboh di {v}"),
    "transportasi": ("Angkutan ke {v} tidak beroperasi", "Speedboat ke {v} terlalu mahal", "Parkir liar di {v}"),
    "bansos": ("Bantuan sosial belum diterima warga {v}", "Data penerima bansos {v} tidak tepat"),
    "dana_kampung": ("Penggunaan dana kampung {v} tidak jelas", "Dana kampung {v} terlambat cair"),
    "perumahan": ("Rumah tidak layak huni di {v}", "Bantuan rumah di {v} belum selesai"),
    "perlindungan_anak": ("Dugaan kekerasan anak di {v}", "Pendampingan korban KDRT di {v}"),
    "telekomunikasi": ("Sinyal hilang di {v}", "Internet kampung {v} mati"),
    "ketenagakerjaan": ("Upah pekerja belum dibayar", "Informasi lowongan kerja untuk warga {v}"),
    "harga_pasar": ("Harga beras naik di pasar {d}", "Minyak tanah langka di {v}", "Timbangan pedagang tidak sesuai"),
    "pertanian": ("Bibit untuk petani {v} belum datang", "Hama menyerang kebun warga {v}"),
    "perikanan": ("Bantuan perahu nelayan {v} belum diterima", "BBM nelayan langka di {v}"),
}

# What the reporter writes, per category. {v} is the village, {d} the district, {ago} how long the problem has
# lasted in words that fit it: minutes for a fire or an ambulance, hours for a flood, weeks or months for a road.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "jalan": ("Jalan di {v}, Distrik {d}, rusak sejak {ago} lalu dan makin parah kalau hujan. Motor sering jatuh.",
              "Sudah {ago} jalan ini tidak diperbaiki. Mobil dan motor warga {v} susah lewat."),
    "air_bersih": ("Air tidak mengalir ke rumah warga {v}, Distrik {d}, sejak {ago} lalu. Warga terpaksa beli "
                   "air galon.",
                   "Air yang keluar keruh dan berbau sejak {ago} lalu. Mohon dicek, banyak anak di {v}."),
    "drainase": ("Saluran di {v} tersumbat sejak {ago} lalu; setiap hujan air masuk ke halaman dan jalan.",
                 "Genangan tidak surut sejak {ago} lalu dan mulai banyak nyamuk di {v}, Distrik {d}."),
    "kesehatan": ("Sudah {ago} obat di puskesmas habis dan pasien disuruh beli sendiri. Mohon perhatian Dinkes.",
                  "Pustu di {v} tutup sejak {ago} lalu; warga harus jalan jauh ke Distrik {d} untuk berobat."),
    "gawat_darurat": ("Ada warga {v} sakit berat dan tidak sadar sejak {ago} lalu. Mohon segera kirim ambulans!",
                      "Ibu di {v}, Distrik {d}, mau melahirkan dan pendarahan sejak {ago} lalu. Butuh rujukan segera."),
    "pendidikan": ("Sudah {ago} guru jarang datang ke sekolah di {v}; anak-anak pulang sebelum jam belajar selesai.",
                   "Atap kelas bocor sejak {ago} lalu, kalau hujan murid belajar di lantai yang basah."),
    "sampah": ("Sampah di {v} menumpuk dan tidak diangkut sejak {ago} lalu. Baunya sampai ke rumah warga.",
               "Truk sampah tidak lewat sejak {ago} lalu; warga mulai buang sampah ke kali."),
    "adminduk": ("Saya urus KTP-el sejak {ago} lalu tetapi belum jadi. Sudah beberapa kali datang ke kantor Dukcapil.",
                 "Akta kelahiran anak kami diajukan {ago} yang lalu dan belum terbit, padahal untuk daftar sekolah."),
    "ketertiban": ("Sejak {ago} lalu ada keributan di {v}; warga takut keluar rumah. Mohon petugas datang.",
                   "Pedagang menutup jalan di {v} sejak {ago} lalu, kendaraan tidak bisa lewat."),
    "banjir": ("Air sudah masuk rumah warga {v} setinggi lutut sejak {ago} lalu dan terus naik. Mohon bantuan "
               "evakuasi.",
               "Sungai meluap sejak {ago} lalu; beberapa keluarga di {v}, Distrik {d}, mengungsi ke gereja."),
    "kebakaran": ("Api membakar rumah warga di {v} sejak {ago} lalu. Mohon segera kirim mobil pemadam!",
                  "Asap tebal dan api dari lahan dekat {v}, Distrik {d}, sejak {ago} lalu. Angin kencang, api "
                  "mendekati rumah."),
    "penerangan": ("Lampu jalan di {v} mati sejak {ago} lalu; malam hari gelap dan rawan.",
                   "Tiang lampu di {v} miring sejak {ago} lalu dan kabelnya terbuka. Bahaya untuk anak-anak."),
    "transportasi": ("Angkutan ke {v} tidak jalan sejak {ago} lalu; warga susah ke pasar dan ke sekolah.",
                     "Sejak {ago} tarif speedboat ke {v} naik tanpa pemberitahuan."),
    "bansos": ("Kami terdaftar sebagai penerima bantuan, tetapi sejak {ago} lalu belum menerima apa-apa.",
               "Data penerima bansos di {v} tidak tepat: sejak {ago} lalu keluarga mampu menerima, yang miskin tidak."),
    "dana_kampung": ("Penggunaan dana kampung {v} tidak diumumkan sejak {ago} lalu. Warga minta laporan terbuka.",
                     "Pembangunan dari dana kampung {v} berhenti sejak {ago} lalu tanpa penjelasan."),
    "perumahan": ("Rumah kami di {v} rusak berat sejak {ago} lalu dan tidak layak huni. Mohon didata untuk bantuan.",
                  "Bantuan bedah rumah di {v} dimulai {ago} yang lalu tetapi belum selesai."),
    "perlindungan_anak": ("Seorang anak di {v} diduga mengalami kekerasan di rumah sejak {ago} lalu. Mohon segera "
                          "ditangani.",
                          "Ibu korban KDRT di {v}, Distrik {d}, butuh pendampingan; kejadian terakhir {ago} "
                          "yang lalu."),
    "telekomunikasi": ("Sinyal telepon di {v} hilang sejak {ago} lalu; warga tidak bisa menghubungi keluarga.",
                       "Internet di kantor kampung {v} mati sejak {ago} lalu, layanan warga terhambat."),
    "ketenagakerjaan": ("Upah kami belum dibayar sejak {ago} lalu. Perusahaan tidak memberi penjelasan.",
                        "Sudah {ago} kami menunggu informasi pelatihan kerja untuk pemuda {v}."),
    "harga_pasar": ("Harga beras dan minyak goreng di pasar Distrik {d} naik sejak {ago} lalu.",
                    "Minyak tanah langka di {v} sejak {ago} lalu; kalau ada, harganya dua kali lipat."),
    "pertanian": ("Bibit yang dijanjikan untuk kelompok tani {v} belum datang, padahal sudah {ago}.",
                  "Hama menyerang kebun warga {v} sejak {ago} lalu; hasil panen rusak."),
    "perikanan": ("Bantuan perahu untuk nelayan {v} belum diterima sejak diumumkan {ago} yang lalu.",
                  "BBM untuk nelayan di {v} langka sejak {ago} lalu; nelayan tidak bisa melaut."),
}

# How long the problem has lasted when it is reported: (shortest, longest, unit) per category. An emergency is
# reported within minutes or hours; a road or an ID card after weeks of waiting.
AGO: dict[str, tuple[int, int, str]] = {
    "gawat_darurat": (10, 50, "menit"), "kebakaran": (5, 30, "menit"), "banjir": (1, 8, "jam"),
    "ketertiban": (1, 5, "jam"), "perlindungan_anak": (2, 14, "hari"), "air_bersih": (1, 6, "hari"),
    "kesehatan": (2, 14, "hari"), "sampah": (3, 14, "hari"), "drainase": (1, 4, "minggu"),
    "telekomunikasi": (2, 10, "hari"), "penerangan": (1, 4, "minggu"), "jalan": (1, 6, "bulan"),
    "pendidikan": (1, 4, "minggu"), "adminduk": (1, 5, "bulan"), "transportasi": (1, 3, "minggu"),
    "bansos": (2, 6, "bulan"), "dana_kampung": (2, 8, "bulan"), "perumahan": (2, 12, "bulan"),
    "ketenagakerjaan": (1, 3, "bulan"), "harga_pasar": (1, 3, "minggu"), "pertanian": (1, 3, "bulan"),
    "perikanan": (1, 4, "bulan"),
}

# Weights of rendah / normal / tinggi / darurat per category: a fire or a medical emergency is always darurat,
# a flood mostly so; violence against a child is at least tinggi; a street lamp is never more than normal.
PRIORITY_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "kebakaran": (0, 0, 0, 1), "gawat_darurat": (0, 0, 0, 1), "banjir": (0, 0, 0.35, 0.65),
    "perlindungan_anak": (0, 0, 0.75, 0.25), "ketertiban": (0, 0.55, 0.45, 0), "kesehatan": (0, 0.7, 0.3, 0),
    "air_bersih": (0, 0.75, 0.25, 0), "jalan": (0.1, 0.75, 0.15, 0), "drainase": (0.15, 0.75, 0.1, 0),
    "sampah": (0.15, 0.8, 0.05, 0), "penerangan": (0.35, 0.65, 0, 0), "telekomunikasi": (0.2, 0.8, 0, 0),
}
DEFAULT_PRIORITY_WEIGHTS = (0.25, 0.75, 0, 0)
PRIORITY_LEVELS = ("rendah", "normal", "tinggi", "darurat")  # the order of the weights above


def describe(rng, category: str, village: str, district: str) -> str:
    """A reporter's description that fits ``category``, with a plausible time since the problem began."""
    low, high, unit = AGO[category]
    return rng.choice(DESCRIPTIONS[category]).format(v=village, d=district, ago=f"{rng.randint(low, high)} {unit}")


def priority_for(rng, category: str) -> str:
    """The priority an operator would give a report of ``category`` (emergencies are darurat)."""
    return rng.choices(PRIORITY_LEVELS, PRIORITY_WEIGHTS.get(category, DEFAULT_PRIORITY_WEIGHTS))[0]


NOTES = {
    "diverifikasi": "Laporan diverifikasi oleh admin Mimika Center",
    "didisposisikan": "Didisposisikan ke OPD terkait",
    "diproses": "Petugas OPD menindaklanjuti di lapangan",
    "ditunda": "Menunggu anggaran / material",
    "selesai": "Tindak lanjut selesai, pelapor diberi tahu",
    "ditutup": "Laporan ditutup",
    "ditolak": "Laporan tidak dapat ditindaklanjuti (bukan kewenangan / data tidak lengkap)",
    "diarsipkan": "Laporan ganda, diarsipkan",
}
