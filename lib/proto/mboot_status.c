/* MCUboot status codes (doc/protocol.md §3.9) as names and sentences a user can
 * act on: every code that table lists has an entry here or in a group. */
#include "mboot.h"

#include <stddef.h>

struct mboot_status_entry {
    uint32_t code;
    const char *name;
    const char *message; /* NULL: use the group's sentence */
};

struct mboot_status_group {
    uint32_t lo, hi;
    const char *name; /* for codes of the range without their own entry */
    const char *message;
};

static const struct mboot_status_entry mboot_statuses[] = {
    { 0, "kStatus_Success", "the operation succeeded" },
    { 1, "kStatus_Fail", "the flashloader reported a general failure" },
    { 2, "kStatus_ReadOnly", "the target is read-only" },
    { 3, "kStatus_OutOfRange", "a value is out of range" },
    { 4, "kStatus_InvalidArgument",
      "the flashloader rejected an argument (for configure-memory: unknown memory, bad config "
      "address or option word, or programming the config block before a successful configure)" },
    { 5, "kStatus_Timeout", "the operation timed out inside the flashloader" },
    { 6, "kStatus_NoTransferInProgress", "no transfer is in progress" },
    { 100, "kStatus_FlashSizeError", NULL },
    { 101, "kStatus_FlashAlignmentError", NULL },
    { 102, "kStatus_FlashAddressError", NULL },
    { 103, "kStatus_FlashAccessError", NULL },
    { 104, "kStatus_FlashProtectionViolation", NULL },
    { 105, "kStatus_FlashCommandFailure", NULL },
    { 106, "kStatus_FlashUnknownProperty", NULL },
    { 400, "kStatus_QspiFlashSizeError", NULL },
    { 401, "kStatus_QspiFlashAlignmentError", NULL },
    { 402, "kStatus_QspiFlashAddressError", NULL },
    { 403, "kStatus_QspiFlashCommandFailure", NULL },
    { 404, "kStatus_QspiFlashUnknownProperty", NULL },
    { 405, "kStatus_QspiNotConfigured", NULL },
    { 406, "kStatus_QspiCommandNotSupported", NULL },
    { 407, "kStatus_QspiCommandTimeout", NULL },
    { 408, "kStatus_QspiWriteFailure", NULL },
    { 6000, "kStatus_FLEXSPI_SequenceExecutionTimeout", NULL },
    { 6001, "kStatus_FLEXSPI_InvalidSequence", NULL },
    { 6002, "kStatus_FLEXSPI_DeviceTimeout", NULL },
    { 7000, "kStatus_FLEXSPI_SequenceExecutionTimeout", NULL },
    { 7001, "kStatus_FLEXSPI_InvalidSequence", NULL },
    { 7002, "kStatus_FLEXSPI_DeviceTimeout", NULL },
    { 10000, "kStatus_UnknownCommand",
      "the flashloader does not know this command (is the ROM answering instead of the "
      "flashloader?)" },
    { 10001, "kStatus_SecurityViolation", "the command is not allowed while the part is secured" },
    { 10002, "kStatus_AbortDataPhase", "the data transfer was aborted" },
    { 10003, "kStatus_Ping", "a ping arrived in the middle of a command" },
    { 10004, "kStatus_NoResponse", "the device did not answer" },
    { 10005, "kStatus_NoResponseExpected", "no answer was expected" },
    { 10006, "kStatus_UnsupportedCommand", "the command is not supported by this flashloader" },
    { 10100, "kStatusRomLdrSectionOverrun", NULL },
    { 10101, "kStatusRomLdrSignature", NULL },
    { 10102, "kStatusRomLdrSectionLength", NULL },
    { 10103, "kStatusRomLdrUnencryptedOnly", NULL },
    { 10104, "kStatusRomLdrEOFReached", NULL },
    { 10105, "kStatusRomLdrChecksum", NULL },
    { 10106, "kStatusRomLdrCrc32Error", NULL },
    { 10107, "kStatusRomLdrUnknownCommand", NULL },
    { 10108, "kStatusRomLdrIdNotFound", NULL },
    { 10109, "kStatusRomLdrDataUnderrun", NULL },
    { 10110, "kStatusRomLdrJumpReturned", NULL },
    { 10111, "kStatusRomLdrCallFailed", NULL },
    { 10112, "kStatusRomLdrKeyNotFound", NULL },
    { 10113, "kStatusRomLdrSecureOnly", NULL },
    { 10114, "kStatusRomLdrResetReturned", NULL },
    { 10200, "kStatus_MemoryRangeInvalid",
      "the address range is outside the memory map or overlaps the flashloader's reserved "
      "memory" },
    { 10201, "kStatus_MemoryReadFailed", "reading the memory failed" },
    { 10202, "kStatus_MemoryWriteFailed", "writing the memory failed" },
    { 10203, "kStatus_MemoryCumulativeWrite", "the flash was not erased where it was to be programmed" },
    { 10204, "kStatus_MemoryAppOverlapWithExecuteOnlyRegion", "the range overlaps an execute-only region" },
    { 10205, "kStatus_MemoryNotConfigured",
      "the external flash is not configured (configure-memory did not succeed first)" },
    { 10206, "kStatus_MemoryAlignmentError", "the address or length is not aligned as required" },
    { 10207, "kStatus_MemoryVerifyFailed", "reading back the written data did not match" },
    { 10208, "kStatus_MemoryWriteProtected", "the memory is write protected" },
    { 10209, "kStatus_MemoryAddressError", "the address is not valid for this memory" },
    { 10210, "kStatus_MemoryBlankCheckFailed", "the memory is not blank" },
    { 10211, "kStatus_MemoryBlankPageReadDisallowed", "reading a blank page is not allowed" },
    { 10212, "kStatus_MemoryProtectedPageReadDisallowed", "reading a protected page is not allowed" },
    { 10213, "kStatus_MemoryUnsupportedCommand", "this memory does not support the command" },
    { 10300, "kStatus_UnknownProperty", "the flashloader does not know this property" },
    { 10301, "kStatus_ReadOnlyProperty", "the property is read-only" },
    { 10302, "kStatus_InvalidPropertyValue", "the property value is not valid" },
    { 10400, "kStatus_AppCrcCheckPassed", NULL },
    { 10401, "kStatus_AppCrcCheckFailed", NULL },
    { 10402, "kStatus_AppCrcCheckInactive", NULL },
    { 10403, "kStatus_AppCrcCheckInvalid", NULL },
    { 10404, "kStatus_AppCrcCheckOutOfRange", NULL },
    { 10500, "kStatus_NoPingResponse", NULL },
    { 10501, "kStatus_InvalidPacketType", NULL },
    { 10502, "kStatus_InvalidCRC", NULL },
    { 10503, "kStatus_NoCommandResponse", NULL },
    { 10600, "kStatus_ReliableUpdateSuccess", NULL },
    { 10601, "kStatus_ReliableUpdateFail", NULL },
    { 10602, "kStatus_ReliableUpdateInactive", NULL },
    { 10603, "kStatus_ReliableUpdateBackupApplicationInvalid", NULL },
    { 10604, "kStatus_ReliableUpdateStillInMainApplication", NULL },
    { 10605, "kStatus_ReliableUpdateSwapSystemNotReady", NULL },
    { 10606, "kStatus_ReliableUpdateBackupBootloaderNotReady", NULL },
    { 10607, "kStatus_ReliableUpdateSwapIndicatorAddressInvalid", NULL },
    { 10608, "kStatus_ReliableUpdateSwapSystemNotAvailable", NULL },
    { 10609, "kStatus_ReliableUpdateSwapTest", NULL },
    { 10700, "kStatus_SerialNorEepromAddressInvalid", NULL },
    { 10701, "kStatus_SerialNorEepromTransferError", NULL },
    { 10702, "kStatus_SerialNorEepromTypeInvalid", NULL },
    { 10703, "kStatus_SerialNorEepromSizeInvalid", NULL },
    { 10704, "kStatus_SerialNorEepromCommandInvalid", NULL },
    { 20000, "kStatus_FlexSPINAND_ReadPageFail", NULL },
    { 20001, "kStatus_FlexSPINAND_ReadCacheFail", NULL },
    { 20002, "kStatus_FlexSPINAND_EccCheckFail", NULL },
    { 20003, "kStatus_FlexSPINAND_PageLoadFail", NULL },
    { 20004, "kStatus_FlexSPINAND_PageExecuteFail", NULL },
    { 20005, "kStatus_FlexSPINAND_EraseBlockFail", NULL },
    { 20006, "kStatus_FlexSPINAND_WaitTimeout", NULL },
    { 20007, "kStatus_FlexSPINAND_NotSupported", NULL },
    { 20008, "kStatus_FlexSPINAND_FcbUpdateFail", NULL },
    { 20009, "kStatus_FlexSPINAND_DbbtUpdateFail", NULL },
    { 20010, "kStatus_FlexSPINAND_WritealignmentError", NULL },
    { 20011, "kStatus_FlexSPINAND_NotFound", NULL },
    { 20100, "kStatus_FlexSPINOR_ProgramFail", "programming a flash page failed" },
    { 20101, "kStatus_FlexSPINOR_EraseSectorFail", "erasing a flash sector failed" },
    { 20102, "kStatus_FlexSPINOR_EraseAllFail", "erasing the whole flash failed" },
    { 20103, "kStatus_FlexSPINOR_WaitTimeout", "the flash did not finish in time" },
    { 20104, "kStatus_FlexSPINOR_NotSupported", "the flash page size is too large" },
    { 20105, "kStatus_FlexSPINOR_WriteAlignmentError", "the write does not start on a flash page boundary" },
    { 20106, "kStatus_FlexSPINOR_CommandFailure", "reading back after program or erase did not match" },
    { 20107, "kStatus_FlexSPINOR_SFDP_NotFound", "the flash chip did not answer the SFDP probe" },
    { 20108, "kStatus_FlexSPINOR_Flash_UnsupportedSFDPVersion",
      "the flash chip's SFDP version is not supported" },
    { 20109, "kStatus_FlexSPINOR_Flash_NotFound", "no flash chip was found" },
    { 20110, "kStatus_FlexSPINOR_DTRRead_DummyProbeFailed", "the flash DDR dummy-cycle probe failed" },
    { 20200, "kStatus_OCOTP_ReadFailure", NULL },
    { 20201, "kStatus_OCOTP_ProgramFailure", NULL },
    { 20202, "kStatus_OCOTP_ReloadFailure", NULL },
    { 20203, "kStatus_OCOTP_WaitTimeout", NULL },
};

/* Ranges whose individual codes are irrelevant to this flashloader get one
 * name and one sentence per driver group. */
static const struct mboot_status_group mboot_groups[] = {
    { 100, 154, "kStatusGroup_FlashDriver", "the internal-flash driver failed" },
    { 400, 408, "kStatusGroup_QspiDriver", "the QuadSPI flash driver failed" },
    { 6000, 6002, "kStatusGroup_FlexSPI", "the FlexSPI controller failed talking to the flash" },
    { 7000, 7002, "kStatusGroup_FlexSPI", "the FlexSPI controller failed talking to the flash" },
    { 10100, 10120, "kStatusGroup_SbLoader", "processing the SB file failed" },
    { 10400, 10404, "kStatusGroup_AppCrc", "the application CRC check reported a problem" },
    { 10500, 10503, "kStatusGroup_Packetizer", "the packet layer failed" },
    { 10600, 10609, "kStatusGroup_ReliableUpdate", "reliable update reported a problem" },
    { 10700, 10704, "kStatusGroup_SerialNorEeprom", "the serial NOR/EEPROM driver failed" },
    { 20000, 20011, "kStatusGroup_FlexSPINAND", "the FlexSPI NAND driver failed" },
    { 20100, 20110, "kStatusGroup_FlexSPINOR", "the FlexSPI NOR driver failed" },
    { 20200, 20203, "kStatusGroup_OCOTP", "reading or programming the fuses failed" },
    { 21100, 21116, "kStatusGroup_SemcNOR", "the SEMC NOR driver failed" },
    { 21200, 21222, "kStatusGroup_SemcNAND", "the SEMC NAND driver failed" },
    { 22000, 22007, "kStatusGroup_SpifiNOR", "the SPIFI NOR driver failed" },
};

#define MBOOT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct mboot_status_entry *mboot_status_find(uint32_t status)
{
    for (size_t i = 0; i < MBOOT_ARRAY_LEN(mboot_statuses); i++)
        if (mboot_statuses[i].code == status)
            return &mboot_statuses[i];
    return NULL;
}

static const struct mboot_status_group *mboot_group_find(uint32_t status)
{
    for (size_t i = 0; i < MBOOT_ARRAY_LEN(mboot_groups); i++)
        if (status >= mboot_groups[i].lo && status <= mboot_groups[i].hi)
            return &mboot_groups[i];
    return NULL;
}

const char *mboot_status_name(uint32_t status)
{
    const struct mboot_status_entry *e = mboot_status_find(status);
    const struct mboot_status_group *g;
    if (e)
        return e->name;
    g = mboot_group_find(status);
    return g ? g->name : "kStatus_Unknown";
}

const char *mboot_status_message(uint32_t status)
{
    const struct mboot_status_entry *e = mboot_status_find(status);
    const struct mboot_status_group *g;
    if (e && e->message)
        return e->message;
    g = mboot_group_find(status);
    return g ? g->message : "the flashloader returned a status code this program does not know";
}
