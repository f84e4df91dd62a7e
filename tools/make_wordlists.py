"""Build the French, German and Arabic codename word lists.

Run once, by hand, never at install or run time: wordfreq and the Debian dictionaries are used
here only, and Homeward depends on none of them.

    apt-get install -y wfrench wngerman wamerican hunspell hunspell-ar hunspell-fr hunspell-de-de
    python3 -m venv /tmp/wordfreq && /tmp/wordfreq/bin/pip install wordfreq==3.1.1
    PYTHONPATH=/tmp/wordfreq/lib/python3.11/site-packages:src .venv/bin/python \
        tools/make_wordlists.py

It writes src/homeward/crypto/wordlists/{fr,de,ar}.txt; English (en.txt) is the EFF long list,
kept as it is so existing codenames still sign in. Words are taken from wordfreq's frequency
lists, most frequent first, and kept when they pass every filter below, in this order:

1. plain: French and German a-z only, 4 to 8 letters (nobody needs an accent, umlaut or ß);
   Arabic letters only, 3 to 6 once folded, no article (ال), no commoner word with a clitic
   glued to it; French and German words at least a quarter as frequent in a neighbouring
   language left out (loans, names, the neighbour's own words);
2. a dictionary word: French, in lower case in wfrench's /usr/share/dict/french (proper nouns
   are capitalised there); German, a headword of hunspell-de-de's de_DE.dic (a noun, verb or
   adjective as a dictionary lists it: no inflected form, no compound-only stem), and when it is
   listed capitalised only (a noun or a name), not a name (below); Arabic, accepted by
   hunspell with hunspell-ar and not in its list of proper nouns;
3. not a name: not a person's or place's name of fr.dic (po:npr, po:prn, po:patr), a
   capitalised-only word of wamerican, a country, region, city or language of CLDR (Babel) and
   ISO 3166-2 (pycountry) in English, French, German and Arabic, a German noun with no plural
   that is shaped like a place (Persien, Luzern), nor a nationality made from such a place
   (maltais, persisch); no roman numeral and no abbreviation (no vowel);
4. not on the deny-list below (whole words and stems): weapons, violence, death, war, armed
   groups, religion and sects, politics, police and prison, nationalities, drugs and alcohol,
   sex, insults, illness;
5. more than one edit (Levenshtein distance 1) away, after folding, from every word already
   kept in any list, English included: a single typo never turns one word into another.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zoneinfo
from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pycountry
import wordfreq  # type: ignore[import-not-found]
from babel import Locale
from babel.dates import get_timezone_location

from homeward.crypto.codename import fold

OUT = Path(__file__).resolve().parent.parent / "src/homeward/crypto/wordlists"
SIZE = 4096
"""Words per list: 12 bits a word, so 8 words give 96 bits."""
SKIP_MOST_FREQUENT = 150
"""Articles, pronouns and other grammar words lead the frequency lists; a codename of them
would read as a broken sentence."""

FRENCH_DICT = Path("/usr/share/dict/french")  # wfrench
ENGLISH_DICT = Path("/usr/share/dict/american-english")  # wamerican
FRENCH_HUNSPELL = Path("/usr/share/hunspell/fr.dic")  # hunspell-fr
GERMAN_HUNSPELL = Path("/usr/share/hunspell/de_DE.dic")  # hunspell-de-de
ARABIC_HUNSPELL = Path("/usr/share/hunspell/ar.dic")  # hunspell-ar

LATIN = re.compile(r"[a-z]{4,8}")
ARABIC = re.compile(r"[\u0621-\u063a\u0641-\u064a]{3,6}")
ARABIC_PREFIXES = ("ال", "وال", "بال", "لل", "فال", "كال")
"""The article and a preposition or conjunction glued to it: the bare word is the one to keep."""
VOWELS = re.compile(r"[aeiouy]")
ROMAN = re.compile(r"m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})(e|er|re|eme|es)?")

NEIGHBOURS = ("en", "fr", "de", "es", "it", "pt", "nl")
FOREIGN = 0.25
"""A French or German word at least a quarter as frequent in a neighbouring language is a name
(ontario, monique, minsk), a loan or the neighbour's own word: left out."""
ARABIC_PROCLITICS = "وبلفكس"
ARABIC_ENCLITICS = ("هما", "ها", "هم", "هن", "كم", "كما", "نا", "ني", "ك", "ه", "ي", "تم")
GLUED_BASE = 1e-6
"""How frequent (per word of text) the bare word must be to count as the word it is glued to."""

GERMAN_SKIP_FLAGS = set("hod")
"""de_DE.dic flags of entries that are no word alone: h needs an affix (Linien- in Linienbus),
o only in compounds, d forbidden."""
GERMAN_PLURAL_FLAGS = set("NEPRFpq")
"""de_DE.dic flags that give a noun a plural (-n, -e, -en, -er, -nen, Häuser, -se)."""
GERMAN_PLACE_SHAPED = ("ien", "rn", "au", "burg", "berg", "dorf", "heim", "stadt", "land")
"""Endings of German place names (Persien, Luzern, Passau, Hamburg...): a capitalised-only
noun with no plural that ends so is taken for a place."""
DEMONYM_ENDINGS = {
    "fr": (
        *("ais", "aise", "aises", "ain", "aine", "ains", "aines", "ien", "ienne", "iens"),
        *("iennes", "ois", "oise", "oises", "an", "ane", "ans", "anes", "in", "ine", "ins"),
        *("ines", "ite", "ites", "ote", "otes", "e", "es", "enne", "ennes", "ens", "nais"),
        *("naise", "ard", "arde", "ards"),
    ),
    "de": ("isch", "ische", "ischen", "ischer", "ese", "esen", "ier", "ierin", "ianer", "aner"),
}
"""What French and German add to a place (its last vowel dropped: malt-e, pers-ien) for its
people or language: malt-ais, maroc-ain, pers-isch. German also adds -er and -erin to the whole
name (Berlin-er, Wien-erin)."""

# Whole words (compared after folding, so without accents) that a codename given to a person
# leaving an armed group must never hold.
DENY = {
    "fr": """
        arme armes armer armee armees fusil fusils pistolet revolver canon canons bombe bombes
        obus grenade grenades mine mines missile missiles munition balle balles poignard
        couteau couteaux sabre epee explosif blinde tank char chars drone drones roquette
        cartouche gachette lance flingue
        tuer tue tuee tues tuent tuez tueur tuerie meurtre massacre egorger sang sanglant
        brutal brutale cruel cruelle vengeance venger menace menaces terreur otage otages
        rancon fouet pendre pendu lyncher bourreau victime victimes blessure blesse blessee
        blesses frapper coups gifle battre battu enlever kidnapper torture
        mort morts morte mortes mourir meurt meurent mourant deces decede defunt funeraire
        cercueil tombe tombes tombeau cimetiere enterrer deuil veuve veuf orphelin suicide
        noyer noyade agonie cadavre squelette crane fantome poison
        guerre guerres bataille combat combats soldat soldats militaire milice milicien
        troupe troupes caserne conflit invasion envahir siege offensive raid embuscade
        commando rebelle rebelles insurge colonel sergent capitaine lieutenant commandant
        brigade bataillon regiment escadron recrue mercenaire tireur prisonnier captif
        detenu camp camps ennemi ennemis espion traitre trahir trahison vaincre defaite
        front frontiere jihad djihad califat emir martyr kamikaze terroriste radical
        daech daesh qaida hamas taliban chabab
        dieu dieux allah jesus christ chretien catholique protestant orthodoxe islam
        musulman musulmane coran bible torah juif juive juifs eglise mosquee synagogue
        temple chapelle pretre pasteur imam cheikh pape eveque moine nonne priere prier
        saint sainte saints sacre divin divine ange anges diable demon satan enfer paradis
        croix messe bapteme prophete apotre chiite sunnite salafiste soufi alaouite druze
        yezidi copte sikh hindou bouddha secte fidele fideles infidele pecheur peche
        religion croyant croyants athee halal haram fatwa charia voile hijab burqa ramadan
        careme noel paques pelerin mecque vatican calvaire evangile psaume sermon cure abbe
        abbaye couvent monastere culte idole
        politique president ministre parti partis election vote voter depute senat
        parlement dictateur regime revolution communiste socialiste fasciste nazi nazis
        marxiste anarchiste syndicat greve opposition putsch colonie colonial empire
        imperial drapeau hymne patrie patriote nation nations police policier gendarme flic
        flics juge juges tribunal prison prisons proces avocat crime crimes criminel delit
        voleur voler arrestation menottes condamne sentence espionner regime
        francais anglais allemand allemande arabe arabes kurde kurdes turc turque perse
        persan russe russes chinois africain africaine europeen asiatique oriental
        occidental berbere kabyle touareg bedouin gitan tzigane
        drogue drogues cocaine heroine cannabis haschich opium morphine ecstasy crack
        dealer dope seringue overdose alcool ivre ivresse biere vodka whisky rhum cognac
        vin vins champagne tabac cigarette joint
        sexe sexuel sexuelle sexy porno nudite sein seins fesse fesses penis vagin bite
        couille baiser amant amante maitresse erotique pute putain bordel viol violer gay
        lesbienne homo pede tapette gouine sucer jouir preservatif
        merde connard conne salaud salope enfoire batard abruti idiot idiote imbecile
        cretin debile stupide ordure pourri pourrie cul chier chiant foutre nique niquer
        minable rate moche laid laide singe chien chienne porc cochon truie vache negre
        racaille voyou bandit lache menteur escroc esclave bete folle fou dingue raciste
        jambon saucisson lard paroisse
        abattre abattage assaut carabine torpille potence pilori supplice tabasser
        matraque flinguer pillard pillards saccage saccager sbire sbires escouade casque
        blindage culasse barillet cyanure bavure saboter asphyxie goulag enseveli bataclan
        sperme vulve zizi pucelle branle branler cochonne couillon connerie gonzesse
        foutaise fout foutent foutoir foutu foutue foutues mamelon mamelons mammaire ovaire
        ovaires clodo tocard sadique sexisme anorexie arthrite hernie rougeole rechute
        insomnie crampe crampes spasme spasmes vomi septique toxine toxines hosto kiffe
        kiffer pavot saouler pastis armagnac calvados mousseux bouffon canaille feignant
        niaise barbare barbares chauvin patronat monarque vassal vassaux altesse vicomte
        baronne biblique rabbin vicaire rosaire relique reliques autel encens oraison
        offrande madone impie ermite jacobin jacobins hadji prieur seigneur vaudou clerc
        clercs sectaire tyran pharaon cupidon minerve vulcain saturne centaure tartuffe
        eustache baptiste tintin figaro monoprix minitel bourassa besson bouvet guillon
        grasset verdier jacquot julien joliette lorette aubin bordeaux quimper inde
        occident orient nordique sudiste cosaque cosaques ottoman ottomane saoudite
        savoyard lyonnais limousin poitevin romand romande malgache malien malienne breton
        bretonne flamand flamande gaulois siamois troyen troyens persique hongrois bulgare
        letton lettone normand normande balte baltes suisse kabyle kabyles turc turcs perse
        perses libyen libyenne grec grecque andalou argentin danois khmer khmers lombard
        lombards nantais ontarien rennais roumain saoudien saxon saxonne togolais celtique
        zouave zouaves hussard hussards caporal javelot ogive ogives pyromane levrette
        partouze puceau chiottes chiasse emmerde emmerder garce collabo malfrat malfrats
        crapule raclure plouc ploucs misogyne frigide inceste avorter kyste asthme calvitie
        bistouri linceul moribond posthume expier diacre chanoine nonce pontife capucin
        capucins archange cantique verset versets sourate marabout gourou sorcier wilaya
        beur archiduc empereur marquis tyrannie pillage pillages butin insoumis amnistie
        abattoir abattues massue stylet harpon vigile vigiles blondel bolduc guyot hilaire
        grimaud cloutier baye cedex
        malade maladie cancer tumeur sida virus covid epidemie fievre grippe infection
        paralyse handicap aveugle sourd muet boiteux lepre peste cholera diabete douleur
        souffrance souffrir coma demence folie depression angoisse trauma infirme plaie
        cicatrice vomir hopital
    """,
    "de": """
        waffe waffen gewehr gewehre pistole revolver kanone kanonen bombe bomben granate
        mine minen rakete raketen munition kugel kugeln patrone dolch messer schwert
        panzer drohne sprengen abzug schuss schüsse schießen flinte
        töten mord morde morden mörder killer massaker blut blutig brutal grausam rache
        rächen drohung terror geisel geiseln folter foltern peitsche henker opfer wunde
        verwundet schlagen prügel entführen
        tod tot tote toter toten sterben stirbt starb gestorben leiche leichen sarg grab
        gräber friedhof begraben trauer witwe witwer waise selbstmord ertrinken agonie
        skelett schädel gespenst gift
        krieg kriege schlacht kampf kämpfe kämpfen soldat soldaten militär miliz milizen
        truppe truppen kaserne konflikt invasion besatzung angriff offensive hinterhalt
        kommando rebell rebellen aufstand oberst hauptmann leutnant kommandant brigade
        bataillon regiment rekrut söldner schütze gefangene feind feinde spion verräter
        verrat niederlage front grenze dschihad kalifat emir märtyrer terrorist radikal
        lager
        gott götter allah jesus christus christ christen katholik protestant islam moslem
        muslim muslime koran bibel thora jude juden jüdin kirche moschee synagoge tempel
        kapelle priester pfarrer pastor imam scheich papst bischof mönch nonne gebet beten
        heilig heilige engel teufel dämon satan hölle paradies kreuz messe taufe prophet
        apostel schiit sunnit salafist sufi alawit druse jeside kopte sikh hindu buddha
        sekte glaube glauben gläubig ungläubig sünde sünder religion atheist halal haram
        fatwa scharia schleier kopftuch ramadan ostern weihnacht pilger mekka vatikan
        evangelium psalm predigt kloster kult pfarrei
        politik politiker präsident minister partei parteien wahl wahlen wählen
        abgeordnete senat parlament diktator regime revolution kommunist sozialist
        faschist nazi nazis marxist anarchist gewerkschaft streik opposition putsch
        kolonie imperium fahne flagge hymne vaterland patriot nation polizei polizist
        bulle bullen richter gericht gefängnis knast prozess anwalt verbrechen
        verbrecher dieb diebe stehlen verhaftung handschellen verurteilt urteil strafe
        deutsch deutsche deutscher englisch engländer franzose arabisch araber kurde
        kurden türke türkisch perser russe russen russisch chinese chinesisch afrikaner
        europäer asiate orient berber beduine zigeuner jude ausländer fremde
        droge drogen kokain heroin cannabis haschisch opium morphium ecstasy crack dealer
        spritze alkohol betrunken rausch bier wodka whisky schnaps rum wein sekt tabak
        zigarette joint kiffen schwein schinken speck
        sex sexy sexuell porno nackt busen brust brüste hintern penis vagina schwanz
        fotze titten ficken bumsen geliebte erotik hure nutte bordell schwul schwuchtel
        lesbe vergewaltigen lutschen kondom
        scheiße scheiß mist arsch arschloch wichser idiot trottel depp dumm dummkopf
        blöd blödmann schlampe miststück bastard hurensohn penner versager lügner
        betrüger sklave affe hund schwein sau kuh esel neger rassist verrückt irre
        krank krankheit krebs tumor aids virus corona seuche epidemie pandemie fieber
        grippe infektion gelähmt behindert blind taub stumm lahm lepra pest cholera
        diabetes schmerz schmerzen leiden koma demenz wahnsinn depression angst trauma
        narbe kotzen erbrechen krankenhaus morbus
        kanake asylant genozid gemetzel gemordet ermorden erstach erschlug gekillt geopfert
        bajonett haubitze gendarm fregatte galgen abschuss besatzer dragoner husar kalif
        geschoss gefecht festung galeere eroberer erobern aufruhr anschlag attacke emirat
        kaiser kanzler kamerad jahwe diakon diakonie dekanat biblisch gesegnet geweiht
        gesalbt karwoche eremit gefickt gewichst ejakulat erektion inzest freitod halbtot
        hirntot infarkt gicht karies bulimie ekzem abszess furunkel geimpft bazillen
        bazillus homoehe gemobbt besoffen gedopt hetzer explosiv ballern bekloppt ankotzen
        anschiss furzen gefurzt britisch estnisch finnisch badisch bayrisch ethnisch
        griechisch hessisch schwäbisch sächsisch preußisch polnisch grieche finne iberer
        hethiter suizid kindstod todfeind racheakt schafott lafette lazarett kompanie
        korvette meuterei razzia razzien melanom sarkom emphysem rezidiv siechtum spastik
        tunte weiber koksen gesoffen pimpern wollust lasziv abkacken mischehe konklave
        konzil bistum vikar prediger sintflut ketzerei irrlehre unglaube kibbuz hexerei
        sakral perikope treueeid vasall besetzer beschuss beritten nachwahl kolchose
        wilderer erreger bakterie syrer texaner tokioter trojaner tscheche slowake kroate
        kubaner norweger schwede westfale lettisch malteser dresdner bremer kasseler
        danziger bozener staufer habsburg schilda genscher diepgen thyssen kaufhof gabler
        eisler volker georg persien bosnien burgund elsass cuxhaven dormagen koblenz mainz
        prag bayreuth seekrank eisenach freiburg fugger hartmut dammtor franken gekokst
        beschiss begatten emanze gebetet beweint jena kassler katalane kosak korinth slowene
        slawisch sorbisch ungar ukrainer waliser wikinger schwabe persisch pfalz stachus
        scharon theodor merkur pharao killen kitzler stricher unzucht luder kastrat todkrank
        suizidal kruzifix klerikal kleriker ketzer kultisch okkult rabbiner predigen
        sakrileg tonsur kollekte kasteien kainsmal leichnam pulsader narkose kolik katarrh
        silikose skoliose offizier obrist zivilist komplize scherge umsturz meuterer meutern
        martern schanze skalpell stilett kreuzer republik konsul tyrann untertan plebejer
        polygam mobben verdammt unmensch
    """,
    "ar": """
        سلاح اسلحه بندقيه بنادق مسدس مدفع مدافع قنبله قنابل لغم الغام صاروخ صواريخ ذخيره رصاص
        رصاصه خنجر سكين سيف سيوف دبابه دبابات طائره مسيره عبوه ناسف متفجرات زناد
        قتل قتلي قاتل مقتل يقتل اقتل ذبح مذبحه مجزره دم دماء دموي وحشي انتقام تهديد ارهاب
        رهينه رهائن سوط شنق مشنقه جلاد ضحيه ضحايا جرح جريح جرحي ضرب خطف تعذيب عنف اغتيال
        موت ميت ميته يموت مات اموات وفاه جثه جثث جثمان نعش قبر قبور مقبره مقابر دفن جنازه
        حداد ارمله يتيم ايتام انتحار غرق احتضار هيكل جمجمه شبح سم
        حرب حروب معركه معارك قتال جندي جنود جيش جيوش عسكري عسكريه ميليشيا ميليشيات مليشيا
        كتيبه كتائب لواء فيلق سريه قوات غزو احتلال هجوم هجمات كمين قائد عقيد عميد ملازم
        نقيب مرتزقه قناص اسير اسري سجين معتقل عدو اعداء جاسوس خائن خيانه هزيمه جبهه حدود
        جهاد مجاهد مجاهدين شهيد شهداء استشهاد خلافه خليفه امير انتحاري متطرف تطرف داعش
        قاعده حماس طالبان شباب حشد
        الله اله رب ربي ربنا دين ديني اسلام اسلامي مسلم مسلمين مسلمون مسيحي مسيح نصراني
        يهود يهودي كافر كفار كفر مرتد شيعه شيعي سني سنه سلفي صوفي علوي درزي ايزيدي قبطي
        كنيسه مسجد جامع معبد كاهن قس قسيس امام شيخ مفتي بابا راهب راهبه صلاه صلي دعاء
        مقدس قديس ملاك ملائكه شيطان جن جنه نار جهنم فردوس صليب قران انجيل توراه نبي انبياء
        رسول صحابي محمد عيسي موسي حرام حلال فتوي شريعه حجاب نقاب رمضان حج مكه كعبه قدس
        فاتيكان طائفه طائفي مذهب عقيده ايمان مؤمن
        سياسه سياسي رئيس وزير حزب احزاب انتخابات انتخاب برلمان نائب ديكتاتور نظام ثوره
        شيوعي اشتراكي نازي انقلاب معارضه راية نشيد وطن وطني شرطه شرطي مخابرات امن
        قاضي محكمه سجن سجون زنزانه محاكمه محامي جريمه جرائم مجرم لص لصوص سرقه اعتقال
        اعدام حكم عقوبه
        عربي عرب كردي اكراد كرد تركي اتراك فارسي روسي امريكي اجنبي غربي يهودي بدوي غجري
        مخدرات مخدر كوكايين هيروين حشيش افيون مورفين حبوب كحول خمر خمور سكران بيره نبيذ
        ويسكي فودكا عرق سجائر سيجاره دخان تبغ
        جنس جنسي جنسيه اباحي اباحيه عاري عاريه عريان صدر ثدي مؤخره زب كس نيك منيوك
        شرموطه قحبه عاهره زنا اغتصاب مثلي شاذ لوطي عشيق عشيقه
        كلب كلاب حمار حمير خنزير خنازير قرد بقره غبي احمق حقير وسخ زباله خائن جبان كذاب
        حرامي عبد عبيد كلبه حيوان تافه
        مرض امراض مريض مرضي سرطان ورم ايدز فيروس كورونا وباء حمي انفلونزا عدوي شلل معاق
        اعمي اصم ابكم اعرج جذام طاعون كوليرا سكري الم الام عذاب غيبوبه جنون مجنون اكتئاب
        قلق صدمه جرح ندبه قيء مستشفي
        اطاح اقتحمت تقصف تعتقل تمرد تجسس حاربوا حتفهم مصرع رفات ماتوا يموتوا يدفن مدفون
        قذيفه غارات مسلحين مقاتلو متفجره محاربه مقاومه معتقلا مهاجم مجروح هاجموا يقاتل
        انفجرت سرايا تحتضر جحيم شياطين استشهد يتحرش دعاره تتناك بزاز اجهاض مزبله مهزله
        اغبياء متخلف ظالم كاذب عبوديه تخدير عقاقير جرعه رشوه مؤامره تلفيق تهمه محكوم
        مسجدا مصلي صلوات شعائر متدين محجبه ديانه فتاوي فقهيه هجريه مولانا يغفر يؤمنون
        اتقوا شوري معجزات رسولا شرعيه نضال رؤساء رئاسه وزراء وزارات حكومات حكوميا ترشيح
        مرشح مندوب قنصليه مجلس نائبا يترأس تنصيب سلطات سلطه حقوقيه اعتصام هتاف يهتفون
        حشود مسيرات لاجئ مخيمات مريضا مصاب اصابات مجنونا جراحيه تحاليل انتفاخ حجابا
        عشائر قبائل قبيله نووي اسقاط اسيويه ليبيه سوريون اوسطيه قوميه خليجيه سعوديا سلطنه
        اضرحه بطريرك سوره ركعات زكاه جزاكم اغفر تؤمن يؤمنوا فرعون فقهاء عفريت قلنسوه نذر
        تبشر عابد تابوت اعدم اختطف رشاش هاون سفاح عساكر ضابط فصائل جبهات متمرده محارب
        تقاتل هوجمت طعن حرق تهجير انتهاك اقتحام انفجار عبوات سواتر قلاع معاقل تفتيش قضبان
        مطارده طارد قراصنه مفقود مضادات عنصريه تعصب انشقاق مبعوث يغتصب شواذ لعق غثيان قرحه
        مزمن يحترق مضايقه قاصر جنائيه جنايات متهمه لجوء تبرئه محامين تصويت ترشح يستقيل
        حليف تحالف يساريه ناشطات ناشطون هدنه وساطه ميثاق قيادات سماحه فخامه مفتش رقابه
        اشباح كابوس كازينو اعراض ادويه جرعات
    """,
}

DENY_STEMS = {
    "fr": """armement fusill mitrail munition explos tuer meurtr massacr assassin egorg
        decapit tortur violen violeur agress attaqu attentat bless sanglan terror otage enlev
        kidnap execut lynch mort mouru mourr funer enterr suicid cadavr cimetier guerr
        guerri militair milit soldat combatt bombard envahi insurg rebell mercenair recrut
        prisonn detenu traitr trahi espion ennemi extremis radicalis jihad djihad martyr
        terroris chretien christ catholi protestan evangel islam musulm coran juda juif
        eglis mosque synagog pretr pasteur eveque priere prophet religi sacr divin diabl
        demoniaq paroiss infidel heret croyan pelerin monast polic gendarm tribun prison crimin
        condamn arrest politi presiden ministr gouvern electi electo deput parlement
        democra dictat revolution communis socialis capitalis fascis nazi marxis anarch
        syndic manifest colonis coloni imperial patriot nationalis drog cocain heroin
        cannab hasch opium morphin alcool ivrog sexe sexu porn erot prostitu pedo pedophil
        homosex lesbien pede masturb orgasm ejacul enculer nique niqu baise salop connard
        merd putain pute batard encul chier foutr foutai crevard idiot imbecil debil stupid racis
        malad cancer tumeur epidemi pandemi infect paralys handicap schizo psychopat
        dement depressi angoiss traumat amput hopital""",
    "de": """gewehr pistol kanon bomb granat rakete munition spreng schieß schiess
        mord mörd töte tötu getöt killer massak blut brutal grausam terror geisel folter entführ
        prügel vergewalt todes toten sterb friedhof begrab selbstmord krieg kampf kämpf
        schlacht soldat milit miliz truppe angriff invasion rebell gefangen feind spion
        verrat verrät terrorist extremis radikal dschihad opfer gott gött christ kirch
        katholi protestant evangel islam muslim moslem koran jude jüdi moschee priester
        pfarr bisch papst heilig teufel dämon höll religi glaub sünd prophet polize polizi
        gericht gefängn verbrech verhaft verurteil politi präsident minist regier partei
        wahl parlament demokrat diktat revolution kommunis sozialis kapitalis faschis nazi
        marxis anarch streik kolonial patriot nationalis deutsch englisch französ arabisch
        russisch türk chinesisch droge kokain heroin cannab hasch opium morphi alkohol
        betrunk schnaps sex porno erotik prostitu pädo homosex homophob schwul lesbe lesbi
        masturb orgasm fick hure nutte arsch scheiß scheiss wichs schlamp bastard idiot
        rassis krank krebs seuch epidemi pandemi infekt lähm behinder schizo psychopath
        wahnsinn depressi trauma amputi""",
    "ar": """قتل ذبح جهاد مجاهد شهيد ارهاب تفجير سلاح رصاص حرب الله كفر سجن اغتصاب دماء نيك
        شرموط قحب خنزير عاهر اسلح قنبل صاروخ مليشي ميليشي جيش جنود عسكر معرك مخدر كحول جنس
        اباح مرض سرطان انتحار جثه جثث مقبر اعدام مخابرات شرطه داعش مسلح مقاتل هاجم اقتحم
        قصف اعتقل معتقل غارات قذيف متفجر استشهد دعار حتف""",
}
"""Beginnings (French, German) and parts anywhere in the word (Arabic, where a conjunction,
preposition or the article may stand before the root) that mark a whole family of such
words."""

ARABIC_NAMES = """
    غسان فاروق كوهين كيفن كولمان سوزان فيسبوك كونان سوهاج احمد محمود مصطفي علي حسن حسين
    عمر عثمان خالد سعود فيصل عبدالله عبد ابراهيم اسماعيل يوسف يعقوب اسحاق داود سليمان
    موسي هارون زكريا يحيي ادريس ايوب يونس هود نوح لوط ادم حواء مريم فاطمه عائشه خديجه
    زينب رقيه حفصه سميه اسماء هند نورا رانيا دينا سارا ساره سعاد ناديه سميره سمير هشام
    هاني رامي سامي شادي فادي حسام عصام نزار جعفر حمزه عباس بكر عمرو زيد معاذ بلال ياسر
    ياسين عدنان قحطان مروان سفيان رضا مهدي هادي كاظم باقر صادق سلطان فارس نايف راشد
    خليل رياض رفعت عزت حمدي شوقي فتحي لطفي مجدي صبري حلمي طارق زياد سعد وليد
    جورج بطرس يوحنا مايكل جون توم بيتر ديفيد روبرت جيمس ماري جاك كيم
    ادريان ارسطو الفريد انيتا اوتو اوسكار اوغلو ايمن ايناس ثامر جابر جانيت جوش جوليان
    جرير حيدر خلدون خلفان دارين راؤول رامون رضوان روبن رويدا زغلول زكي سلمان سيرغي سيزار
    سيمون شاهين شهرزاد صابرين طنطاوي عابدين عاشور عاصم عماد عمران غانم غلين فاتن فرويد
    فوزيه قابوس كارمن كريشنا كلثوم كينت لوغان ليديا ليندا لينين ماريا ماسون ماهر مدحت
    مسعود منصور ناصر نبيل نجلاء نقولا هارفي هومر هيثم وارن يهوذا سقراط هرقل فيروز ديف
    قيصر بندر كونج حنظله اسيوط اصفهان اميركا انجلس اوديسا اوربا بعلبك بنغازي بومباي
    تطوان تعز درعا صفد طنجه ظفار عجمان عرعر عفرين كركوك نابلس همدان ويلز طرواده عكاظ
    فايبر ناسا فوكس كرافت سويفت تريكه دريم نورث بورن انجل انخيل اونو ايهاب ابتسام باريت
    بروين بوتين بيرم جرين جعجع حجازي حمد حنبل داميان داوود دينو روميو سيرين صابر طوقان
    عزام عطا عكاشه عمار فريمان فيدال فيرنون فينش كاثرين كاران لورين ليليان ماجد ماريان
    مرزوق مرسي مولاي نعمان هاشم وارين ويبر ويندي هونج بيبسي روتانا اوبك لينكس بوكس
    افندي باشا ارومية جازان حضرموت طنطا غرناطه قريش قزوين كربلاء كوت هنود
    """.split()  # noqa: SIM905 - a word list reads better as text
"""Arabic and foreign given names that hunspell-ar takes for words (غسان, فاروق) or that the
frequency list has often (كيفن): names, not words. Names that are first an ordinary word (نور
light, امل hope, كريم generous) are not here; the names of the first caliphs and the imams
(عمر, عثمان, علي, حسين, جعفر, كاظم, صادق) are, since they mark a sect."""


def deny_sets(language: str) -> tuple[set[str], tuple[str, ...]]:
    words = {fold(word) for word in DENY[language].split()}
    stems = tuple(fold(stem) for stem in DENY_STEMS[language].split())
    return words, stems


def too_close_keys(word: str) -> set[str]:
    """The word and every one-letter deletion of it, each deletion tagged with its place: two
    words of equal length one substitution apart share a tagged deletion, and a word one
    insertion away from another has that other word among its deletions."""
    keys = {f"={word}"}
    for at in range(len(word)):
        rest = word[:at] + word[at + 1 :]
        keys.add(f"-{rest}")
        keys.add(f"{at}:{rest}")
    return keys


class Kept:
    """Folded words kept so far, indexed for the distance-1 test."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def near(self, word: str) -> bool:
        if f"={word}" in self.keys or f"-{word}" in self.keys:
            return True  # the same word, or a kept word is this one with a letter more
        rests = [word[:at] + word[at + 1 :] for at in range(len(word))]
        if any(f"={rest}" in self.keys for rest in rests):
            return True  # this word is a kept one with a letter more
        return any(f"{at}:{rest}" in self.keys for at, rest in enumerate(rests))

    def add(self, word: str) -> None:
        self.keys |= too_close_keys(word)


# --- Names and places -------------------------------------------------------------------------


def _parts(names: Iterable[str]) -> set[str]:
    """Each word of each name, folded (Baden-Württemberg: baden, wurttemberg); Arabic parts lose
    the article."""
    found: set[str] = set()
    for name in names:
        for part in fold(name).split():
            found.add(part.removeprefix("ال") if len(part) > 4 else part)
    return found


@cache
def places(locale: str) -> set[str]:
    """Countries, regions, cities and languages as CLDR (Babel) names them in this locale, and
    the ISO 3166-2 regions (pycountry, in their own spelling)."""
    language = Locale(locale)
    names = [*language.territories.values(), *language.languages.values()]
    names += [
        get_timezone_location(zone, locale, return_city=True)
        for zone in sorted(zoneinfo.available_timezones())
        if "/" in zone and not zone.startswith("Etc/")
    ]
    names += [subdivision.name for subdivision in pycountry.subdivisions]
    return _parts(names)


def _french_dic_entries() -> Iterable[tuple[str, str]]:
    """fr.dic's headwords with their tags (po:npr for a proper noun...)."""
    for line in FRENCH_HUNSPELL.read_text(encoding="utf-8").splitlines()[1:]:
        first, *tags = line.split() or [""]
        yield first.split("/")[0], " ".join(tags)


@cache
def latin_places() -> set[str]:
    """Places (and languages) of CLDR and ISO in English, French and German, and fr.dic's
    proper nouns (po:npr: places, peoples, a few things)."""
    found = places("en") | places("fr") | places("de")
    found |= {fold(word) for word, tags in _french_dic_entries() if "po:npr" in tags}
    return {name for name in found if len(name) >= 4}


@cache
def latin_names() -> set[str]:
    """People's and places' names: the places above, fr.dic's first names and patronyms, and
    the capitalised-only words of the English dictionary."""
    names = {
        fold(word) for word, tags in _french_dic_entries() if re.search(r"po:(prn|patr)", tags)
    }
    english = ENGLISH_DICT.read_text(encoding="utf-8").split()
    lower = {word for word in english if word.islower()}
    names |= {fold(word) for word in english if word[:1].isupper() and word.lower() not in lower}
    return {name for name in names if name} | latin_places()


@cache
def whole_names() -> set[str]:
    """Names of one word only, as they stand (Luzern, Bayern, Johann), not parts of longer
    ones (Basel-Stadt gives no "stadt")."""
    names = [
        *Locale("de").territories.values(),
        *[subdivision.name for subdivision in pycountry.subdivisions],
        *[word for word, tags in _french_dic_entries() if re.search(r"po:(npr|prn|patr)", tags)],
    ]
    english = ENGLISH_DICT.read_text(encoding="utf-8").split()
    lower = {word for word in english if word.islower()}
    names += [word for word in english if word[:1].isupper() and word.lower() not in lower]
    return {fold(name) for name in names if " " not in name and "-" not in name}


@cache
def place_stems() -> set[str]:
    """Places without their last vowel: the stem a nationality or an inhabitant is made from
    (malt-e: malt-ais; pers-ien: pers-isch), four letters or more."""
    stems = {re.sub(r"(ien|ie|en|[aeiouy])$", "", name) for name in latin_places()}
    return {stem for stem in stems if len(stem) >= 4} | latin_places()


def demonym(language: str, word: str) -> bool:
    """A word made of a place and an ending for its people or language (maltais, persisch,
    Berliner)."""
    for ending in DEMONYM_ENDINGS[language]:
        if word.endswith(ending) and word[: -len(ending)] in place_stems():
            return True
    if word in {name[:-2] for name in latin_places() if name.endswith("ie")}:
        return True  # the place less -ie (Normandie: normand, Lettonie: letton)
    whole = ("er", "erin") if language == "de" else ()
    return any(word.endswith(end) and word[: -len(end)] in latin_places() for end in whole)


def no_word(word: str) -> bool:
    """A roman numeral (iiie, xvii) or an abbreviation (no vowel: bzgl)."""
    return bool(ROMAN.fullmatch(word)) or not VOWELS.search(word)


# --- Dictionaries -----------------------------------------------------------------------------


@cache
def french_dictionary() -> set[str]:
    """Words in lower case in wfrench's list (proper nouns there are capitalised), less those
    that are a name (morgane) without being a headword of fr.dic in lower case (pierre is)."""
    words = FRENCH_DICT.read_text(encoding="utf-8").split()
    headwords = {word for word, _tags in _french_dic_entries() if word.islower()}
    return {
        word
        for word in words
        if word.islower() and (word in headwords or fold(word) not in latin_names())
    }


@cache
def german_headwords() -> tuple[set[str], dict[str, str]]:
    """de_DE.dic's headwords: lower-case ones, and capitalised ones (nouns and names) with their
    flags, by their lower-case form. Entries that are no word alone are left out."""
    lower: set[str] = set()
    capitalised: dict[str, str] = {}
    for line in GERMAN_HUNSPELL.read_text(encoding="utf-8").splitlines()[1:]:
        if not line or line[0].isspace():
            continue
        word, _, flags = line.partition("/")
        if GERMAN_SKIP_FLAGS & set(flags):
            continue
        if word.islower():
            lower.add(word)
        elif word[:1].isupper() and word[1:].islower():
            capitalised[word.lower()] = capitalised.get(word.lower(), "") + flags
    return lower, capitalised


def german_plurals(noun: str) -> set[str]:
    """Forms a German noun's plural may take (Schule-n, Stadt: Städt-e, Firma: Firm-en); the
    genitive -s is not one, for names have it too."""
    stems = {noun, re.sub(r"(a|um|us|on|en)$", "", noun)}
    umlauted = re.sub(
        r"(au|a|o|u|Au|A|O|U)([^aeiouäöü]*(e[lrn])?)$", lambda m: UMLAUT[m[1]] + m[2], noun
    )
    endings = ("e", "n", "en", "se", "nen")  # not -er: Mainzer is no plural of Mainz
    forms = {stem + end for stem in stems for end in endings}
    forms |= {umlauted, umlauted + "e", umlauted + "er"} if umlauted != noun else set()
    return forms - {noun}


UMLAUT = {"au": "äu", "a": "ä", "o": "ö", "u": "ü", "Au": "Äu", "A": "Ä", "O": "Ö", "U": "Ü"}


@cache
def german_nouns_with_a_plural() -> set[str]:
    """Capitalised-only headwords with no plural flag that still have a plural hunspell knows
    (Schule: Schulen): nouns. Those with none (Husum, Jakob, Luzern, Persien) are names."""
    lower, capitalised = german_headwords()
    alone = [
        word
        for word, flags in capitalised.items()
        if word not in lower and not GERMAN_PLURAL_FLAGS & set(flags) and LATIN.fullmatch(word)
    ]
    forms = {word: german_plurals(word.capitalize()) for word in alone}
    known = hunspell_accepts(sorted({form for found in forms.values() for form in found}), "de_DE")
    return {word for word, found in forms.items() if found & known}


def german_name(word: str) -> bool:
    """A capitalised-only headword with no plural that is a name: one with no plural form at
    all, or one that is a known name or place (Luzern has none, though Luzerne is a plant)."""
    lower, capitalised = german_headwords()
    if word in lower or word not in capitalised:
        return False
    if GERMAN_PLURAL_FLAGS & set(capitalised[word]):
        return False
    return word not in german_nouns_with_a_plural() or word in whole_names()


def german_demonym(word: str) -> bool:
    """An inhabitant or nationality made from a German name (Passau-er, Peru-aner, Jena-er)."""
    for ending in ("er", "erin", *DEMONYM_ENDINGS["de"]):
        if not word.endswith(ending):
            continue
        base = word[: -len(ending)]
        # Bremen: Brem-er, Malta: Malt-eser, Syrien: Syr-er, Tokio: Toki-oter.
        if any(german_name(base + tail) for tail in ("", "en", "a", "ien", "o")):
            return True
    return False


def in_german_dictionary(word: str) -> bool:
    lower, capitalised = german_headwords()
    if word in lower:
        return True
    return word in capitalised and not german_name(word) and not german_demonym(word)


@cache
def arabic_proper_nouns() -> set[str]:
    """The proper nouns of hunspell-ar (countries, nationalities, capitals and people, between
    the markers ###أسماء and ####الأسماء#### of ar.dic), CLDR's places in Arabic, and a few
    given names."""
    found: set[str] = set()
    inside = False
    for line in ARABIC_HUNSPELL.read_text(encoding="utf-8").splitlines():
        if "###أسماء" in line:
            inside = True
        elif "####الأسماء####" in line:
            break
        elif inside and line and not line.startswith("#"):
            found.add(fold(line.split("/")[0].split()[0]))
    return found | places("ar") | {fold(name) for name in ARABIC_NAMES}


def arabic_proper(word: str) -> bool:
    """A proper noun, alone or with a conjunction or preposition before it or a nationality's
    ending after it (كوري, كورية, كوريون: كوريا)."""
    folded = fold(word)
    forms = {folded} | ({folded[1:]} if folded[:1] in "وبلفك" else set())
    for form in list(forms):
        for ending in ("يون", "يين", "يات", "يه", "ي"):
            if form.endswith(ending) and len(form) > len(ending) + 1:
                stem = form[: -len(ending)]
                forms |= {stem, stem + "ا"}
    return bool(forms & arabic_proper_nouns())


def hunspell_accepts(words: list[str], dictionary: str) -> set[str]:
    """The words the hunspell command line does not flag with this dictionary."""
    flagged = subprocess.run(  # noqa: S603
        ["hunspell", "-d", dictionary, "-l"],  # noqa: S607 - a build tool, run by hand
        input="\n".join(words),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return set(words) - set(flagged)


# --- The lists --------------------------------------------------------------------------------


def plain(language: str, word: str) -> bool:
    if language == "ar":
        return bool(ARABIC.fullmatch(word)) and not word.startswith(ARABIC_PREFIXES)
    if not LATIN.fullmatch(word):
        return False
    own = wordfreq.word_frequency(word, language)
    return all(
        wordfreq.word_frequency(word, other) < own * FOREIGN
        for other in NEIGHBOURS
        if other != language
    )


def glued(word: str) -> bool:
    """An Arabic word that is a commoner word with a conjunction, preposition or future prefix
    before it (ل + سياسة) or a pronoun after it (أبرز + ها, شخصية + ك): the bare word is kept
    instead, when it is plain enough to be kept at all."""
    bases = [word[1:]] if word[0] in ARABIC_PROCLITICS else []
    for suffix in ARABIC_ENCLITICS:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)]
            bases += [stem, stem[:-1] + "ة"] if stem.endswith("ت") else [stem]
    return any(wordfreq.word_frequency(base, "ar") >= GLUED_BASE for base in bases)


def denied(language: str, folded: str) -> bool:
    words, stems = deny_sets(language)
    if folded in words:
        return True
    if language != "ar":
        # A plural or feminine of a denied word (aveugles, sourds, pendus, Kroaten).
        bare = {
            folded[: -len(end)] for end in ("s", "e", "es", "x", "n", "en") if folded.endswith(end)
        }
        return folded.startswith(stems) or bool(bare & words)
    if any(stem in folded for stem in stems):
        return True
    # An Arabic word may carry a one-letter conjunction or preposition (و ب ل ف ك), and a
    # feminine, plural or nisba ending.
    bare = folded[1:] if folded[:1] in "وبلفك" else folded
    endings = ("ه", "ات", "ون", "ين", "ان", "يه", "ي", "ا")
    return bare in words or any(
        bare.endswith(end) and bare[: -len(end)] in words for end in endings
    )


def dictionary_word(language: str) -> Callable[[str], bool]:
    if language == "fr":
        return lambda word: word in french_dictionary() and not demonym("fr", word)
    if language == "de":
        return lambda word: in_german_dictionary(word) and not demonym("de", word)
    return lambda word: not arabic_proper(word)


def candidates(language: str) -> Iterable[str]:
    """wordfreq's words past the grammar words, plain, most frequent first."""
    ranked = wordfreq.top_n_list(language, 400_000)[SKIP_MOST_FREQUENT:]
    if language == "ar":
        accepted = hunspell_accepts([word for word in ranked if ARABIC.fullmatch(word)], "ar")
        ranked = [word for word in ranked if word in accepted]
    return (word for word in ranked if plain(language, word))


def build(language: str, kept: Kept, size: int) -> list[str]:
    chosen: list[str] = []
    known = dictionary_word(language)
    for word in candidates(language):
        folded = fold(word)
        if language == "ar" and (glued(word) or not 3 <= len(folded) <= 6):
            continue
        if language != "ar" and no_word(folded):
            continue
        if not known(word) or denied(language, folded) or kept.near(folded):
            continue
        kept.add(folded)
        chosen.append(word)
        if len(chosen) == size:
            rank = wordfreq.top_n_list(language, 400_000).index(word)
            print(f"{language}: the last word kept is the {rank}th most frequent")  # noqa: T201
            return chosen
    sys.exit(f"{language}: only {len(chosen)} words found, {size} wanted")


def package_version(package: str) -> str:
    return subprocess.run(  # noqa: S603
        ["dpkg-query", "-W", "-f", "${Version}", package],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main() -> None:
    kept = Kept()
    for word in (OUT / "en.txt").read_text(encoding="utf-8").split():
        kept.add(fold(word))
    for language in ("fr", "de", "ar"):
        words = build(language, kept, SIZE)
        (OUT / f"{language}.txt").write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
        print(f"{language}: {len(words)} words")  # noqa: T201
    packages = ("wfrench", "wngerman", "wamerican", "hunspell-fr", "hunspell-de-de", "hunspell-ar")
    used = {"wordfreq": version("wordfreq"), "babel": version("babel")}
    used |= {"pycountry": version("pycountry")}
    used |= {package: package_version(package) for package in packages}
    print(", ".join(f"{name} {number}" for name, number in used.items()))  # noqa: T201


if __name__ == "__main__":
    main()
